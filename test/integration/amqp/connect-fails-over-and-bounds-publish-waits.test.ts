/**
 * Connecting: failover to the next host of the URL, clear coded errors without the password, and
 * publishes during an outage that wait for the reconnect but never longer than their bound. The
 * outage is a real one: the transport talks to the broker through a TCP proxy that the test cuts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { ClosedError } from '../../../src/errors.js';
import { BrokerConnectError, BrokerUnavailable } from '../../../src/rpc/transports/amqp/index.js';
import { AmqpTransport } from '../../../src/rpc/transports/amqp/index.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { withBroker, startTransport, uniqueTopic } from '../../helpers/broker.js';
import { testConfig } from '../../helpers/config.js';
import { freePort } from '../../helpers/http.js';
import { until } from '../../helpers/wait.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';

/** A TCP proxy to the broker that can drop every connection and refuse new ones. */
async function brokerProxy(t: TestContext, brokerUrl: string) {
  const relay = await startTcpRelay(t, brokerUrl);
  return { url: `amqp://guest:guest@127.0.0.1:${relay.port}/`, cut: relay.cut, heal: relay.heal };
}

test('start() fails over to the next host, fails with a coded error when none answers (one round), and at once on a refused login', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const live = new URL(brokerUrl);
  const dead = await freePort();
  const transport = await startTransport(t, `rabbit://guest:guest@127.0.0.1:${dead},guest:guest@127.0.0.1:${live.port}/`);
  assert.equal(transport.connected, true);

  // retryStart false: one round over the hosts (a worker's transport would keep retrying).
  const unreachable = new AmqpTransport({
    url: `rabbit://guest:hunter2@127.0.0.1:${dead}/`,
    config: testConfig(),
    logger: silentLogger(),
    retryStart: false,
  });
  t.after(() => unreachable.stop());
  await assert.rejects(unreachable.start(), (error: unknown) => {
    assert.ok(error instanceof BrokerConnectError);
    assert.equal(error.code, 'ERR_AMQP_CONNECT');
    assert.ok(!error.message.includes('hunter2'));
    return true;
  });

  const refused = new AmqpTransport({
    url: `rabbit://guest:wrong-secret@127.0.0.1:${live.port}/`,
    config: testConfig(),
    logger: silentLogger(),
  });
  t.after(() => refused.stop());
  // A refusal is permanent: not retried even by a transport that retries.
  await assert.rejects(refused.start(), (error: unknown) => {
    assert.ok(error instanceof BrokerConnectError);
    assert.equal(error.permanent, true);
    assert.match(error.message, /ACCESS_REFUSED|403/);
    assert.ok(!error.message.includes('wrong-secret'));
    return true;
  });
});

test('a publish during an outage waits for the reconnect, but only up to its bound', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const proxy = await brokerProxy(t, brokerUrl);
  const fast = { rabbit_retry_interval: 0.1, rabbit_retry_backoff: 0, rabbit_interval_max: 0.1 };
  const transport = await startTransport(t, proxy.url, fast);
  const consumer = await startTransport(t, brokerUrl);
  const topic = uniqueTopic('outage');
  const got: string[] = [];
  const listener = await consumer.listen({ exchange: 'openstack', topic, server: 's' }, (d) => (got.push(d.body.toString()), d.ack()));
  t.after(() => listener.stop());

  const down = once(transport, 'disconnected');
  proxy.cut();
  await down;
  assert.equal(transport.connected, false);

  const started = Date.now();
  await assert.rejects(
    transport.publish({ target: { exchange: 'openstack', topic }, body: '"short"', expirationMs: 300 }),
    (error: unknown) => {
      assert.ok(error instanceof BrokerUnavailable);
      assert.equal(error.code, 'ERR_AMQP_UNAVAILABLE');
      return true;
    },
  );
  assert.ok(Date.now() - started < 1500, 'the wait is bounded by the call timeout');

  const patient = transport.publish({ target: { exchange: 'openstack', topic }, body: '"patient"', expirationMs: 10_000 });
  proxy.heal();
  await patient;
  await until('the patient message', () => got.includes('"patient"'), { timeoutMs: 5000 });
  assert.equal(transport.connected, true);
});

test('stop() during an outage ends the reconnect loop and fails waiting publishes at once', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const proxy = await brokerProxy(t, brokerUrl);
  const transport = await startTransport(t, proxy.url, { rabbit_retry_interval: 0.1, rabbit_retry_backoff: 0, rabbit_interval_max: 0.1 });
  const down = once(transport, 'disconnected');
  proxy.cut();
  await down;
  const waiting = transport.publish({ target: { exchange: 'openstack', topic: 'x' }, body: '{}', expirationMs: 30_000 });
  const started = Date.now();
  await transport.stop();
  await assert.rejects(waiting, ClosedError);
  assert.ok(Date.now() - started < 1000);
  await assert.rejects(transport.publish({ target: { exchange: 'openstack', topic: 'x' }, body: '{}' }), ClosedError);
});
