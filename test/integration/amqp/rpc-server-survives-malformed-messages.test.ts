/**
 * Thousands of malformed messages published straight to an RpcServer's queues over RabbitMQ:
 * the server stays up, answers what has a reply queue with a failure, and still answers a good
 * call afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { connect } from 'amqplib';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { hex32 } from '../../../src/rpc/ids.js';
import { withBroker, startTransport, uniqueTopic } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';

const envelope = (message: unknown) => JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) });

/** One malformed body per kind; `replyQ` lets some of them ask for an answer. */
function malformed(i: number, replyQ: string): string | Buffer {
  const call = { _msg_id: hex32(), _reply_q: replyQ, _unique_id: hex32(), _timeout: null };
  const kinds: Array<() => string | Buffer> = [
    () => randomBytes(1 + (i % 64)),
    () => 'not json {',
    () => JSON.stringify([1, 2, 3]),
    () => 'null',
    () => JSON.stringify({ 'oslo.version': '2.0' }),
    () => JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': { method: 'echo' } }),
    () => JSON.stringify({ 'oslo.version': '9.0', 'oslo.message': '{}' }),
    () => JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '{"method": ' }),
    () => envelope({ ...call, method: 42, args: {} }),
    () => envelope({ ...call, method: 'echo', args: 'not an object' }),
    () => envelope({ ...call, method: '__proto__', args: {} }),
    () => envelope({ ...call, method: 'constructor', args: {} }),
    () => envelope({ ...call, method: 'toString', args: {} }),
    () => envelope({ ...call, method: 'echo', args: { value: 1 }, version: null }),
    () => envelope({ ...call, method: 'echo', args: { value: 1 }, _context___proto__: { polluted: true } }),
    () => envelope({ method: 'echo', args: { value: 1 }, _msg_id: 7, _reply_q: ['x'], _unique_id: {} }),
    () => envelope({ ...call, _reply_q: `reply_${'f'.repeat(32)}`, method: 'echo', args: { value: 1 } }),
  ];
  return kinds[i % kinds.length]!();
}

test('an RpcServer survives thousands of malformed messages and still answers', { timeout: 90_000 }, async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('fuzz');
  const serverTransport = await startTransport(t, brokerUrl, { rpc_response_timeout: 5 });
  let echoes = 0;
  const server = new RpcServer(
    serverTransport,
    { topic, server: 'fuzz-1' },
    [{ echo: (_ctx: unknown, args: { value: unknown }) => (echoes++, args.value) }],
    { missingConsumerRetryTimeoutSeconds: 1, maxMessageBytes: 64 * 1024 },
  );
  t.after(() => server.stop());
  await server.start();

  const model = await connect(brokerUrl);
  t.after(() => model.close().catch(() => undefined));
  const channel = await model.createConfirmChannel();
  const { queue: replyQ } = await channel.assertQueue(`reply_${hex32()}`, { durable: false, exclusive: true });
  let failures = 0;
  await channel.consume(
    replyQ,
    (message) => {
      if (message && JSON.parse(JSON.parse(message.content.toString())['oslo.message']).failure) failures++;
    },
    { noAck: true },
  );

  const total = 2000;
  for (let i = 0; i < total; i++) {
    const body = malformed(i, replyQ);
    const contentType = i % 23 === 0 ? 'text/plain' : 'application/json';
    const key = i % 3 === 0 ? `${topic}.fuzz-1` : topic;
    channel.publish('openstack', key, Buffer.isBuffer(body) ? body : Buffer.from(body), { contentType });
  }
  // A body over the size limit, with a reply queue: refused with a failure reply.
  channel.publish(
    'openstack',
    topic,
    Buffer.from(
      envelope({ _msg_id: hex32(), _reply_q: replyQ, _unique_id: hex32(), method: 'echo', args: { value: 'x'.repeat(100_000) } }),
    ),
    { contentType: 'application/json' },
  );
  await channel.waitForConfirms();

  const clientTransport = await startTransport(t, brokerUrl);
  const client = new RpcClient(clientTransport, { topic }, { timeoutSeconds: 30 });
  assert.equal(await client.call({}, 'echo', { value: 'still alive' }), 'still alive');
  await until('failure replies for the malformed calls that named a reply queue', () => failures > 100, { timeoutMs: 10_000 });
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  assert.equal(serverTransport.connected, true);
  assert.ok(echoes >= 1);
});
