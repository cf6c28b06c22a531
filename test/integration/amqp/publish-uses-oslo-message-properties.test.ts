/**
 * What our publishes look like on the wire, seen by a raw amqplib consumer: oslo's properties
 * (oslo-messaging-wire.md §3), routing (§2), and mandatory publishes failing fast.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, type ConsumeMessage } from 'amqplib';
import { MessageDeliveryFailure } from '../../../src/rpc/errors.js';
import { withBroker, startTransport, uniqueTopic } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';

/** A raw consumer on a queue bound like oslo's topic queue; collects messages. */
async function rawQueue(t: { after: (fn: () => unknown) => void }, url: string, exchange: string, type: string, key: string) {
  const model = await connect(url);
  t.after(() => model.close().catch(() => undefined));
  const channel = await model.createChannel();
  await channel.assertExchange(exchange, type, { durable: false, autoDelete: type === 'fanout' });
  const { queue } = await channel.assertQueue('', { exclusive: true, durable: false });
  await channel.bindQueue(queue, exchange, key);
  const seen: ConsumeMessage[] = [];
  await channel.consume(
    queue,
    (message) => {
      if (message) seen.push(message);
    },
    { noAck: true },
  );
  const next = async (): Promise<ConsumeMessage> => {
    await until('a message', () => seen.length > 0, { timeoutMs: 5000, intervalMs: 5 });
    return seen.shift()!;
  };
  return { next, queue };
}

test('a call carries oslo properties and its timeout as a string expiration', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('props');
  const transport = await startTransport(t, brokerUrl);
  const raw = await rawQueue(t, brokerUrl, 'openstack', 'topic', topic);

  await transport.publish({ target: { exchange: 'openstack', topic }, body: '{"call":1}', expirationMs: 1500 });
  const call = await raw.next();
  assert.equal(call.fields.exchange, 'openstack');
  assert.equal(call.fields.routingKey, topic);
  assert.equal(call.content.toString(), '{"call":1}');
  assert.equal(call.properties.contentType, 'application/json');
  assert.equal(call.properties.contentEncoding, 'utf-8');
  assert.equal(call.properties.deliveryMode, 2);
  assert.equal(call.properties.priority, 0);
  assert.deepEqual(call.properties.headers, {});
  assert.equal(call.properties.expiration, '1500');
  for (const absent of ['replyTo', 'correlationId', 'messageId', 'timestamp', 'type', 'userId', 'appId'] as const) {
    assert.equal(call.properties[absent], undefined, `${absent} must not be set`);
  }

  await transport.publish({ target: { exchange: 'openstack', topic }, body: '{"cast":1}' });
  const cast = await raw.next();
  assert.equal(cast.content.toString(), '{"cast":1}');
  assert.equal(cast.properties.expiration, undefined, 'casts carry no expiration');
});

test('topic.server and fanout casts are routed like oslo', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('route');
  const transport = await startTransport(t, brokerUrl);
  const server = await rawQueue(t, brokerUrl, 'openstack', 'topic', `${topic}.host-1`);
  const fanout = await rawQueue(t, brokerUrl, `${topic}_fanout`, 'fanout', topic);

  await transport.publish({ target: { exchange: 'openstack', topic, server: 'host-1' }, body: '"direct"' });
  const direct = await server.next();
  assert.equal(direct.fields.routingKey, `${topic}.host-1`);

  await transport.publish({ target: { exchange: 'openstack', topic, fanout: true }, body: '"all"' });
  const all = await fanout.next();
  assert.equal(all.fields.exchange, `${topic}_fanout`);
  assert.equal(all.fields.routingKey, '', 'oslo publishes fanout casts with an empty routing key');
});

test('a reply goes to the default exchange, mandatory: a missing reply queue rejects', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const transport = await startTransport(t, brokerUrl);
  const received: string[] = [];
  const queue = await transport.replyQueue((body) => received.push(body.toString()));
  assert.match(queue, /^reply_[0-9a-f]{32}$/);

  await transport.publishReply(queue, '{"reply":1}');
  await until('the reply', () => received.length > 0, { timeoutMs: 5000, intervalMs: 20 });
  assert.deepEqual(received, ['{"reply":1}']);

  await assert.rejects(transport.publishReply(`reply_${'0'.repeat(32)}`, '{}'), (error: unknown) => {
    assert.ok(error instanceof MessageDeliveryFailure);
    assert.equal(error.code, 'ERR_RPC_DELIVERY');
    assert.match(error.message, /NO_ROUTE/);
    return true;
  });
  // The return did not break the publisher channel.
  await transport.publishReply(queue, '{"reply":2}');
});

test('a mandatory request to a topic without servers fails at once; a plain one is dropped quietly', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const transport = await startTransport(t, brokerUrl);
  const target = { exchange: 'openstack', topic: uniqueTopic('nobody') };
  await transport.publish({ target, body: '{}', expirationMs: 1000, mandatory: false });
  await assert.rejects(transport.publish({ target, body: '{}', expirationMs: 10_000, mandatory: true }), MessageDeliveryFailure);
  // Many at once: each returned message rejects its own publish, none is mixed up.
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => transport.publish({ target, body: `{"n":${i}}`, mandatory: true })),
  );
  assert.ok(results.every((result) => result.status === 'rejected'));
});

test('publishing to an exchange declared with other flags fails that publish only', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const exchange = uniqueTopic('durable-exchange');
  const model = await connect(brokerUrl);
  t.after(() => model.close().catch(() => undefined));
  const channel = await model.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true, autoDelete: false });
  t.after(() => channel.deleteExchange(exchange).catch(() => undefined));
  const transport = await startTransport(t, brokerUrl);
  await assert.rejects(transport.publish({ target: { exchange, topic: 'x' }, body: '{}' }), /PRECONDITION_FAILED|406/);
  // The transport opened a new publisher channel and still works.
  const topic = uniqueTopic('after-406');
  const raw = await rawQueue(t, brokerUrl, 'openstack', 'topic', topic);
  await transport.publish({ target: { exchange: 'openstack', topic }, body: '"ok"' });
  assert.equal((await raw.next()).content.toString(), '"ok"');
  assert.equal(transport.connected, true);
});
