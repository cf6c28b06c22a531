/**
 * Our transport declares exactly what a real Python oslo.messaging 14.0.3 server and client
 * declare (compared with rabbitmqctl on one broker), so both can share topics without a 406.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'amqplib';
import { hex32 } from '../../../src/rpc/ids.js';
import { BrokerDeclareError } from '../../../src/rpc/transports/amqp/index.js';
import type { Delivery } from '../../../src/rpc/transports/transport.js';
import { withBroker, listExchanges, listQueues, startTransport, uniqueTopic } from '../../helpers/broker.js';
import { runPythonClient, startPythonServer } from '../../helpers/python-peer.js';
import { until } from '../../helpers/wait.js';

/** A row with the topic and the random hex replaced, so two topics' rows compare equal. */
function shape(row: { name: string }, topic: string): string {
  const { name, ...rest } = row as unknown as Record<string, unknown>;
  delete rest.consumers;
  delete rest.messages;
  return JSON.stringify({
    name: String(name)
      .replace(topic, 'TOPIC')
      .replace(/[0-9a-f]{32}$/, 'HEX'),
    ...rest,
  });
}

function envelope(message: Record<string, unknown>): string {
  return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) });
}

test('server and reply queues and exchanges have the flags and arguments of Python oslo', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const pyTopic = uniqueTopic('topo-py');
  const ourTopic = uniqueTopic('topo-node');
  await startPythonServer(t, brokerUrl, pyTopic, 'srv');
  const existing = new Set((await listQueues()).map((q) => q.name));
  const [echo] = await runPythonClient(brokerUrl, [{ op: 'call', topic: pyTopic, method: 'echo', args: { value: 1 } }]);
  assert.deepEqual(echo, { ok: true, result: 1, elapsed: echo!.elapsed });

  const pyReply = (await listQueues()).find((q) => q.name.startsWith('reply_') && !existing.has(q.name));
  const transport = await startTransport(t, brokerUrl);
  const listener = await transport.listen({ exchange: 'openstack', topic: ourTopic, server: 'srv' }, (d) => d.ack());
  t.after(() => listener.stop());
  const ourReply = await transport.replyQueue(() => undefined);

  const queues = await listQueues();
  const exchanges = await listExchanges();
  const pick = <T extends { name: string }>(rows: T[], topic: string) =>
    rows
      .filter((row) => row.name.startsWith(topic))
      .map((row) => shape(row, topic))
      .sort();
  assert.deepEqual(pick(queues, ourTopic), pick(queues, pyTopic));
  assert.equal(pick(queues, ourTopic).length, 3);
  assert.deepEqual(pick(exchanges, ourTopic), pick(exchanges, pyTopic));
  assert.deepEqual(JSON.parse(pick(exchanges, ourTopic)[0]!), {
    name: 'TOPIC_fanout',
    type: 'fanout',
    durable: false,
    auto_delete: true,
    internal: false,
    arguments: [],
  });

  // The Python client's reply queue (left behind, as oslo does) and ours look the same.
  const ours = queues.find((q) => q.name === ourReply)!;
  assert.ok(pyReply && ours);
  assert.equal(shape(ours, ''), shape(pyReply, ''));
  assert.deepEqual(ours.arguments, [['x-expires', 'signedint', 1_800_000]]);

  const control = exchanges.find((e) => e.name === 'openstack')!;
  assert.deepEqual(
    { type: control.type, durable: control.durable, auto_delete: control.auto_delete },
    { type: 'topic', durable: false, auto_delete: false },
  );
});

test('a Python oslo server and ours share one topic without 406, in either start order', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  for (const pythonFirst of [true, false]) {
    const topic = uniqueTopic('share');
    const transport = await startTransport(t, brokerUrl);
    const got: Delivery[] = [];
    const listen = () => transport.listen({ exchange: 'openstack', topic, server: 'node' }, (d) => (got.push(d), d.ack()));
    let python: Awaited<ReturnType<typeof startPythonServer>>;
    let listener: Awaited<ReturnType<typeof listen>>;
    if (pythonFirst) {
      python = await startPythonServer(t, brokerUrl, topic, 'py');
      listener = await listen();
    } else {
      listener = await listen();
      python = await startPythonServer(t, brokerUrl, topic, 'py');
    }
    t.after(() => listener.stop());
    const shared = (await listQueues()).find((q) => q.name === topic);
    assert.equal(shared?.consumers, 2, 'both servers consume the shared topic queue');

    // Casts to the topic are shared between the two servers (competing consumers).
    for (let i = 0; i < 10; i++) {
      const body = envelope({ method: 'record', args: { value: i }, _unique_id: hex32(), _context_user_id: 'u' });
      await transport.publish({ target: { exchange: 'openstack', topic }, body });
    }
    await until('all ten casts consumed', () => got.length + python.events.filter((e) => e.event === 'cast').length === 10, {
      timeoutMs: 10_000,
    });
    assert.ok(got.length > 0 && got.length < 10, `both servers took some casts (node took ${got.length})`);

    // A Python client reaches the Python server through the shared exchange.
    const [reply] = await runPythonClient(brokerUrl, [{ op: 'call', topic, server: 'py', method: 'whoami' }]);
    assert.equal(reply?.result, 'py');
    assert.equal(transport.connected, true);
    await listener.stop();
    await python.stop();
  }
});

test('a queue declared elsewhere with other flags fails listen() with a coded error; the transport recovers', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('durable-clash');
  const model = await connect(brokerUrl);
  t.after(() => model.close().catch(() => undefined));
  const channel = await model.createChannel();
  await channel.assertQueue(topic, { durable: true });
  t.after(() => channel.deleteQueue(topic).catch(() => undefined));

  const transport = await startTransport(t, brokerUrl, { rabbit_retry_interval: 0.1, rabbit_retry_backoff: 0, rabbit_interval_max: 0.1 });
  await assert.rejects(
    transport.listen({ exchange: 'openstack', topic, server: 's' }, (d) => d.ack()),
    (error: unknown) => {
      assert.ok(error instanceof BrokerDeclareError);
      assert.equal(error.code, 'ERR_AMQP_DECLARE');
      assert.match(error.message, /PRECONDITION_FAILED/);
      return true;
    },
  );
  const other = uniqueTopic('after-clash');
  const got: string[] = [];
  const listener = await transport.listen(
    { exchange: 'openstack', topic: other, server: 's' },
    (d) => (got.push(d.body.toString()), d.ack()),
  );
  t.after(() => listener.stop());
  await transport.publish({ target: { exchange: 'openstack', topic: other }, body: '"fine"' });
  await until('a delivery after the failed declare', () => got.length === 1, { timeoutMs: 5000 });
});
