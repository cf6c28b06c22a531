/**
 * heartbeat_rate: the receive check runs `rate` times per heartbeat period and declares the
 * broker dead once nothing arrived for two periods (py-amqp's rule), through amqplib's own
 * 'timeout' path; traffic keeps it alive; amqplib's close stops the check.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { ChannelModel } from 'amqplib';
import { quietFor } from '../../helpers/wait.js';
import { watchHeartbeats } from '../../../src/internals/heartbeat-watch.js';

/** The part of an amqplib connection the watch touches, with amqplib's own 1-per-period check. */
function fakeModel(heartbeatSeconds: number) {
  const heart = Object.assign(new EventEmitter(), {
    recvTimer: setInterval(() => assert.fail('amqplib check must be replaced'), 1_000_000).unref() as NodeJS.Timeout | undefined,
  });
  const connection = {
    heartbeat: heartbeatSeconds,
    heartbeater: heart,
    received: false,
    checkRecv() {
      const seen = this.received;
      this.received = false;
      return seen;
    },
  };
  return { model: { connection } as unknown as ChannelModel, heart, connection };
}

test('a broker silent for two periods is declared dead within one check (period / rate) after that', async (t) => {
  const { model, heart, connection } = fakeModel(0.2);
  let checks = 0;
  const checkRecv = connection.checkRecv.bind(connection);
  connection.checkRecv = () => (checks++, checkRecv());
  const startedAt = Date.now();
  const timedOut = new Promise<number>((resolve) => heart.once('timeout', () => resolve(Date.now() - startedAt)));
  assert.equal(watchHeartbeats(model, 4), true);
  t.after(() => clearInterval(heart.recvTimer));
  const after = await timedOut;
  // Never before two periods (400 ms); timers may run late on a busy machine, so the upper
  // bound is loose, and the cadence is checked by counting: every 50 ms, not once a period.
  assert.ok(after >= 400 && after < 3000, `declared dead after ${after} ms (2 periods = 400 ms)`);
  assert.ok(checks >= 5, `${checks} checks before the verdict (period / rate = 50 ms; amqplib: one per period)`);
});

test('traffic keeps the connection alive; clearing the heart stops the check', async () => {
  const { model, heart, connection } = fakeModel(0.1);
  let timeouts = 0;
  heart.on('timeout', () => timeouts++);
  watchHeartbeats(model, 3);
  const feeder = setInterval(() => (connection.received = true), 20);
  await quietFor('a heartbeat timeout while frames arrive', 500, () => timeouts > 0);
  clearInterval(feeder);
  assert.equal(timeouts, 0, 'no timeout while frames arrive');
  clearInterval(heart.recvTimer); // what amqplib's Heart.clear() does on close
  await quietFor('a heartbeat timeout after the heart stopped', 300, () => timeouts > 0);
  assert.equal(timeouts, 0, 'the check stopped with the heart');
});

test('no heartbeat negotiated, or other amqplib internals: amqplib keeps its own check', () => {
  const silent = fakeModel(0);
  assert.equal(watchHeartbeats(silent.model, 3), false);
  clearInterval(silent.heart.recvTimer);
  assert.equal(watchHeartbeats({} as ChannelModel, 3), false);
});
