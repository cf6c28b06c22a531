/**
 * A declaration that fails because the connection went away under it (a node shut down, a
 * network blip) is not the broker's refusal: the listener's start waits for the next connection
 * and declares there, instead of failing with the permanent BrokerDeclareError that makes a
 * worker exit 2 and stop its launcher. A real refusal (406: the queue exists with other
 * arguments) still fails at once with the broker's reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerDeclareError } from '../../../src/rpc/transports/amqp/errors.js';
import { startTransport, uniqueTopic, withBroker } from '../../helpers/broker.js';
import { captureLogger } from '../../helpers/capture-logger.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';
import { until } from '../../helpers/wait.js';

const fast = { rabbit_retry_interval: 0.2, rabbit_retry_backoff: 0.2, rabbit_interval_max: 1 };

test('a connection dropped during the first queue declaration: the listener starts on the next connection', {
  timeout: 60_000,
}, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const relay = await startTcpRelay(t, url);
  const log = captureLogger();
  const server = await startTransport(t, url.replace(`:${new URL(url).port}`, `:${relay.port}`), fast, log.logger);
  const topic = uniqueTopic('declare-drop');
  const dropped = relay.dropOnceOn(topic); // the queue.declare frame names the topic's queue
  const got: string[] = [];
  const listener = await server.listen({ exchange: 'openstack', topic, server: 'node' }, (delivery) => {
    got.push(delivery.body.toString());
    delivery.ack();
  });
  t.after(() => listener.stop());
  await dropped;
  assert.ok(
    log.lines.some((line) => line.msg === 'a declaration failed with the connection; retrying on a new one'),
    'the retry is logged',
  );

  // The queue exists and is consumed: a message published by another connection arrives.
  const client = await startTransport(t, url, fast);
  await client.publish({ target: { exchange: 'openstack', topic }, body: 'after the drop' });
  await until('the message after the drop', () => got.length > 0, { timeoutMs: 10_000, intervalMs: 20 });
  assert.deepEqual(got, ['after the drop']);
});

test('a refused declaration (406, other queue arguments) still fails at once with the broker reason', { timeout: 60_000 }, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const topic = uniqueTopic('declare-406');
  const durable = await startTransport(t, url, { amqp_durable_queues: true });
  // An exchange of its own: other tests share 'openstack' with the default flags.
  const first = await durable.listen({ exchange: topic, topic, server: 'node' }, (delivery) => delivery.ack());
  t.after(() => first.stop());
  const other = await startTransport(t, url, { amqp_durable_queues: false });
  await assert.rejects(
    other.listen({ exchange: topic, topic, server: 'node' }, (delivery) => delivery.ack()),
    (error: unknown) => error instanceof BrokerDeclareError && error.permanent && /PRECONDITION[-_]FAILED|406/.test(error.message),
  );
});
