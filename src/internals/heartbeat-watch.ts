/**
 * Private internal: amqplib's heartbeat check (`connection.heartbeater.recvTimer`, its 'timeout'
 * event, `connection.checkRecv()`). Fallback: amqplib's own check, once per period.
 * test/unit/internals/ fails loudly when an amqplib upgrade moves it.
 *
 * `heartbeat_rate`: how often per heartbeat period the connection is checked for a silent
 * broker. amqplib checks once per period and gives up after two silent checks (2–3 periods);
 * py-amqp, as oslo drives it, checks `heartbeat_rate` times per period and gives up once nothing
 * arrived for two periods. We keep amqplib's sender and its failure path (the Heart's 'timeout'
 * event: error, then close) and replace only its receive check with that cadence, so a broker
 * behind a dead link is noticed after 2 periods + period/rate.
 */
import type { ChannelModel } from 'amqplib';

/** The amqplib internals this relies on (lib/connection.js, lib/heartbeat.js). */
interface AmqplibConnection {
  heartbeat?: number;
  heartbeater?: { recvTimer?: NodeJS.Timeout; emit(event: 'timeout'): boolean } | null;
  checkRecv?: () => boolean;
}

/** Returns false when amqplib's internals are not as expected (its own check then stays). */
export function watchHeartbeats(model: ChannelModel, rate: number): boolean {
  const connection = (model as unknown as { connection?: AmqplibConnection }).connection;
  const heart = connection?.heartbeater;
  const periodMs = (connection?.heartbeat ?? 0) * 1000;
  if (!connection || !heart || periodMs <= 0 || typeof connection.checkRecv !== 'function' || heart.recvTimer === undefined) return false;
  let lastReceived = Date.now();
  clearInterval(heart.recvTimer);
  // Stored where amqplib's Heart keeps it, so its clear() on close stops this timer too.
  heart.recvTimer = setInterval(
    () => {
      const now = Date.now();
      if (connection.checkRecv!()) lastReceived = now;
      else if (now - lastReceived > 2 * periodMs) {
        clearInterval(heart.recvTimer);
        heart.emit('timeout');
      }
    },
    Math.max(10, periodMs / rate),
  );
  return true;
}
