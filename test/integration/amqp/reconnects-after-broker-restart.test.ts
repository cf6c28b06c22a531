/**
 * The broker's app stops and starts again in the middle of a publish/consume loop. The transport
 * logs the outage (without the password), reconnects with backoff, redeclares its queues,
 * resumes consuming, later messages flow, an ack of a delivery from the dead channel is harmless,
 * and no channel or connection leaks. Runs on a private broker so that stopping it cannot disturb
 * tests running in parallel on the shared one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { once } from 'node:events';
import type { Delivery } from '../../../src/rpc/transports/transport.js';
import { withBroker, rabbit, startPrivateBroker, startTransport, uniqueTopic } from '../../helpers/broker.js';
import { captureLogger } from '../../helpers/capture-logger.js';
import { delay, until } from '../../helpers/wait.js';

test('the transport recovers from a broker stop_app/start_app without leaks', { timeout: 90_000 }, async (t) => {
  const sharedUrl = await withBroker(t);
  if (!sharedUrl) return;
  const { url, dir } = await startPrivateBroker(t, 'restart');
  const fast = { rabbit_retry_interval: 0.2, rabbit_retry_backoff: 0.2, rabbit_interval_max: 1, rpc_response_timeout: 20 };
  const log = captureLogger();
  const server = await startTransport(t, url, fast, log.logger);
  const client = await startTransport(t, url, fast);
  const topic = uniqueTopic('restart');
  const got: string[] = [];
  let held: Delivery | undefined;
  const listener = await server.listen({ exchange: 'openstack', topic, server: 'node' }, (delivery) => {
    got.push(delivery.body.toString());
    if (held === undefined)
      held = delivery; // keep one unacked across the restart
    else delivery.ack();
  });
  t.after(() => listener.stop());
  const replies: string[] = [];
  const replyQueue = await client.replyQueue((body) => replies.push(body.toString()));

  let sent = 0;
  let failed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await client.publish({ target: { exchange: 'openstack', topic }, body: JSON.stringify(++sent) });
      } catch {
        failed++; // a publish in flight when the connection dropped
      }
      await delay(10); // load pacing: about 100 publishes a second
    }
  })();
  t.after(() => {
    running = false;
    return loop;
  });
  await until('messages flowing', () => got.length >= 5, { timeoutMs: 5000 });

  const disconnected = once(server, 'disconnected');
  await rabbit(['stop_app'], dir);
  await disconnected;
  assert.equal(server.connected, false);
  const reconnected = Promise.all([once(server, 'connected'), once(client, 'connected')]);
  await rabbit(['start_app'], dir);
  await reconnected;

  // The delivery from the dead channel: acking it must not close the new channel with 406.
  held!.ack();
  const countAfter = got.length;
  await until('messages flowing after the restart', () => got.length >= countAfter + 10, { timeoutMs: 10_000 });
  running = false;
  await loop;
  assert.ok(failed <= 2, `at most the publishes in flight at the drop fail (${failed} did)`);

  // The reply queue came back under the same name (non-durable queues died with the app).
  await client.publishReply(replyQueue, '"after restart"');
  await until('the reply', () => replies.includes('"after restart"'), { timeoutMs: 5000 });

  const connections = JSON.parse(await rabbit(['list_connections'], dir)) as unknown[];
  const channels = JSON.parse(await rabbit(['list_channels'], dir)) as unknown[];
  assert.equal(connections.length, 2, 'one connection per transport');
  assert.equal(channels.length, 5, "consumer and publisher channels per transport, and the client's reply channel");
  assert.equal(server.connected, true);

  const messages = log.lines.map((line) => line.msg);
  // A restart within the reconnect policy is a warning: lost, then one line when back; no ERROR.
  assert.equal(log.lines.find((line) => line.msg === 'lost the AMQP broker connection; reconnecting')?.level, 40);
  const back = log.lines.filter((line) => /^AMQP connection back after \d+\.\d s, \d+ attempts?$/.test(String(line.msg)));
  assert.equal(back.length, 1, `one line when back: ${messages.join(' | ')}`);
  assert.equal(back[0]!.level, 40);
  assert.deepEqual(
    log.lines.filter((line) => Number(line.level) >= 50).map((line) => line.msg),
    [],
    'no ERROR for a blip',
  );
  assert.ok(!log.raw.join('').includes('guest:guest'), 'no password in the log');
  // Stop the transports before the broker goes (after-hooks run first-registered first).
  await listener.stop();
  await Promise.all([server.stop(), client.stop()]);
});
