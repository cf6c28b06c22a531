/**
 * A listener consumes the topic queue, its server queue and its own fanout queue; deliveries ack
 * and reject once; bad bodies and a throwing handler do not stop consumption; stop() cancels the
 * consumers and deletes the fanout queue, as oslo does on a clean close.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Delivery } from '../../../src/rpc/transports/transport.js';
import { heldDeliveries, listQueues, startTransport, uniqueTopic, withBroker } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';

test('requests to topic, topic.server and fanout all reach the listener', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('listen');
  const server = await startTransport(t, brokerUrl);
  const client = await startTransport(t, brokerUrl);
  const got: Delivery[] = [];
  const listener = await server.listen({ exchange: 'openstack', topic, server: 'node-1' }, (delivery) => got.push(delivery));
  t.after(() => listener.stop());

  await client.publish({ target: { exchange: 'openstack', topic }, body: '"topic"' });
  await client.publish({ target: { exchange: 'openstack', topic, server: 'node-1' }, body: '"server"' });
  await client.publish({ target: { exchange: 'openstack', topic, fanout: true }, body: '"fanout"' });
  await until('three deliveries', () => got.length === 3, { timeoutMs: 5000 });
  assert.deepEqual(got.map((d) => d.body.toString()).sort(), ['"fanout"', '"server"', '"topic"']);
  assert.ok(got.every((d) => d.contentType === 'application/json'));
  for (const delivery of got) {
    delivery.ack();
    delivery.ack(); // idempotent: a second ack of the same tag would close the channel with 406
    delivery.reject();
  }
  await client.publish({ target: { exchange: 'openstack', topic }, body: '"after"' });
  await until('a fourth delivery on the same channel', () => got.length === 4, { timeoutMs: 5000 });
  got[3]!.reject();
  assert.equal(server.connected, true);
});

test('malformed bodies and a throwing handler do not stop the consumer', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('bad-bodies');
  const server = await startTransport(t, brokerUrl);
  const client = await startTransport(t, brokerUrl);
  const bodies: string[] = [];
  const listener = await server.listen({ exchange: 'openstack', topic, server: 'node-1' }, (delivery) => {
    bodies.push(delivery.body.toString('latin1'));
    delivery.ack();
    if (bodies.length % 2 === 0) throw new Error('handler bug');
  });
  t.after(() => listener.stop());
  const bad = ['', 'not json', '{"oslo.message": 5}', '\u0000\u00ff\u00fe', 'x'.repeat(300_000), '[]', 'null'];
  for (const body of bad) await client.publish({ target: { exchange: 'openstack', topic }, body });
  await client.publish({ target: { exchange: 'openstack', topic }, body: '"good"' });
  await until('every body delivered', () => bodies.length === bad.length + 1, { timeoutMs: 5000 });
  assert.equal(bodies.at(-1), '"good"');
  assert.equal(server.connected, true);
});

test('stop() cancels the consumers and deletes only the fanout queue', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('stop');
  const server = await startTransport(t, brokerUrl);
  const listener = await server.listen({ exchange: 'openstack', topic, server: 'node-1' }, (delivery) => delivery.ack());
  const before = (await listQueues()).filter((q) => q.name.startsWith(topic));
  assert.deepEqual(before.map((q) => q.name.replace(/[0-9a-f]{32}$/, 'HEX')).sort(), [topic, `${topic}.node-1`, `${topic}_fanout_HEX`]);
  assert.ok(before.every((q) => q.consumers === 1));

  await listener.stop();
  await listener.stop();
  const after = (await listQueues()).filter((q) => q.name.startsWith(topic));
  assert.deepEqual(after.map((q) => q.name).sort(), [topic, `${topic}.node-1`], 'topic queues stay, as oslo leaves them');
  assert.ok(after.every((q) => q.consumers === 0));
});

test('a fanout cast after the last server left still succeeds (its auto-deleted exchange is declared again)', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('fanout-gone');
  const server = await startTransport(t, brokerUrl);
  const client = await startTransport(t, brokerUrl);
  const target = { exchange: 'openstack', topic, fanout: true };
  const first = await server.listen({ exchange: 'openstack', topic, server: 'node-1' }, (d) => d.ack());
  await client.publish({ target, body: '"one"' });
  await first.stop(); // the fanout queue goes, and with it the auto-delete fanout exchange
  await client.publish({ target, body: '"nobody listens"' });
  const got: string[] = [];
  const second = await server.listen({ exchange: 'openstack', topic, server: 'node-1' }, (d) => (got.push(d.body.toString()), d.ack()));
  t.after(() => second.stop());
  await client.publish({ target, body: '"two"' });
  await until('the second fanout cast', () => got.includes('"two"'), { timeoutMs: 5000 });
});

test('acking or rejecting while the transport closes, or after, is harmless', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const { server, held } = await heldDeliveries(t, brokerUrl, 'late-ack', 60);
  let stopped = false;
  const stopping = server.stop().then(() => (stopped = true));
  // One ack per turn of the event loop, through every phase of the close (amqplib throws on an
  // ack while its connection is closing).
  let next = 0;
  while (!stopped && next < 58) {
    held[next++]!.ack();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await stopping;
  held[58]!.ack();
  held[59]!.reject();
  assert.equal(server.connected, false);
});
