/**
 * `_unique_id` is what oslo sends on every message (a server's duplicate filter reads it on
 * requests): our client puts a fresh one on every request and our server on every reply (final
 * replies and heartbeats) in oslo's envelope, what RabbitMQ peers read. On the embedded transport's plain bodies, which only our own processes read and
 * which the router never redelivers to a server that took them, both leave it out.
 */
import { EventEmitter } from 'node:events';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { RpcDispatcher } from '../../../src/rpc/dispatcher.js';
import { decodeEnvelope, encodeEnvelope, type BodyFormat } from '../../../src/rpc/envelope.js';
import { hex32 } from '../../../src/rpc/ids.js';
import type { ReplySender } from '../../../src/rpc/reply-sender.js';
import { RpcRequestHandler } from '../../../src/rpc/request-handler.js';
import { NoOpSerializer } from '../../../src/rpc/serializer.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import type { PublishRequest, Transport } from '../../../src/rpc/transports/transport.js';
import { inProcessBroker } from './support/in-process.js';

/** The reply bodies a RpcRequestHandler of `format` sends for one call of `method`. */
async function repliesFor(
  format: BodyFormat | undefined,
  method: string,
  timeout: number | null,
): Promise<{ body: string; decoded: Record<string, unknown>; legacy: boolean }[]> {
  const sent: string[] = [];
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const replies = {
    send(_queue: string, body: string): Promise<boolean> {
      sent.push(body);
      if (decodeBody(body).decoded.ending === true) finished();
      return Promise.resolve(true);
    },
  } as unknown as ReplySender;
  const endpoint = {
    echo: (_ctx: unknown, { value }: { value: unknown }) => value,
    /** Long enough for one call-monitor heartbeat (every int(_timeout)/2 s = 1 s). */
    slow: async () => {
      await new Promise((resolve) => setTimeout(resolve, 1300)); // time is the subject: a call that spans a heartbeat
      return 'late';
    },
  };
  const handler = new RpcRequestHandler({
    dispatcher: new RpcDispatcher([endpoint]),
    serializer: new NoOpSerializer(),
    replies,
    logger: silentLogger(),
    maxMessageBytes: 1 << 20,
    bodyFormat: format,
    counters: { received: 0, calls: 0, casts: 0, failures: 0, rejected: 0, duplicates: 0 },
  });
  await handler.handle(
    encodeEnvelope({ method, args: { value: 7 }, _unique_id: hex32(), _msg_id: 'm1', _reply_q: 'reply_q', _timeout: timeout }),
  );
  await done;
  return sent.map(decodeBody);
}

function decodeBody(body: string): { body: string; decoded: Record<string, unknown>; legacy: boolean } {
  const result = decodeEnvelope(body);
  assert.ok(result.ok, body);
  return { body, decoded: result.message, legacy: result.legacy };
}

test("oslo's envelope: the final reply carries a fresh 32-hex _unique_id", async () => {
  const [reply, ...more] = await repliesFor(undefined, 'echo', null);
  assert.equal(more.length, 0);
  assert.equal(reply!.legacy, false, 'sent in the 2.0 envelope');
  assert.deepEqual(Object.keys(reply!.decoded), ['result', 'failure', 'ending', '_msg_id', '_unique_id']);
  assert.match(String(reply!.decoded._unique_id), /^[0-9a-f]{32}$/);
  assert.deepEqual([reply!.decoded.result, reply!.decoded.failure, reply!.decoded.ending, reply!.decoded._msg_id], [7, null, true, 'm1']);
});

test("oslo's envelope: heartbeats carry their own _unique_id too", async () => {
  const replies = await repliesFor('envelope', 'slow', 2);
  assert.ok(replies.length >= 2, `${replies.length} replies`);
  const ids = replies.map((r) => r.decoded._unique_id);
  for (const id of ids) assert.match(String(id), /^[0-9a-f]{32}$/);
  assert.equal(new Set(ids).size, ids.length, 'each reply its own id');
  assert.equal(replies[0]!.decoded.ending, false);
  assert.equal(replies.at(-1)!.decoded.result, 'late');
});

test('embedded (plain) bodies: final reply and heartbeats without _unique_id, the rest as oslo sends it', async () => {
  const replies = await repliesFor('plain', 'slow', 2);
  assert.ok(replies.length >= 2, `${replies.length} replies`);
  for (const { decoded, legacy } of replies) {
    assert.equal(legacy, true, 'plain JSON, no envelope');
    assert.deepEqual(Object.keys(decoded), ['result', 'failure', 'ending', '_msg_id']);
  }
  assert.deepEqual(replies.at(-1)!.decoded, { result: 'late', failure: null, ending: true, _msg_id: 'm1' });
});

/** The request bodies an RpcClient publishes on a transport of `format`, for a cast and a call. */
async function requestsFor(format: BodyFormat | undefined): Promise<Record<string, unknown>[]> {
  const published: string[] = [];
  const transport = Object.assign(new EventEmitter(), {
    kind: 'amqp' as const,
    bodyFormat: format,
    publish(request: PublishRequest): Promise<void> {
      published.push(request.body);
      return Promise.resolve();
    },
    replyQueue: () => Promise.resolve('reply_q'),
  }) as unknown as Transport;
  const client = new RpcClient(transport, { topic: 'uid' }, { timeoutSeconds: 0.05 });
  await client.cast({}, 'note', { value: 1 });
  await client.call({}, 'echo', { value: 2 }).catch(() => undefined); // no reply comes: it times out
  return published.map((body) => decodeBody(body).decoded);
}

test("oslo's envelope: every request carries a fresh 32-hex _unique_id", async () => {
  const requests = await requestsFor(undefined);
  assert.deepEqual(
    requests.map((r) => r.method),
    ['note', 'echo'],
  );
  for (const request of requests) assert.match(String(request._unique_id), /^[0-9a-f]{32}$/);
  assert.notEqual(requests[0]!._unique_id, requests[1]!._unique_id);
});

test('embedded (plain) bodies: requests without _unique_id, the rest as oslo sends it', async () => {
  const [cast, call] = await requestsFor('plain');
  assert.deepEqual(Object.keys(cast!), ['method', 'args', '_context_request_id']);
  assert.deepEqual(Object.keys(call!), ['method', 'args', '_context_request_id', '_msg_id', '_reply_q', '_timeout']);
});

test('over the embedded transport calls still get their results', async () => {
  const broker = inProcessBroker();
  try {
    const server = new RpcServer(await broker.transport(), { topic: 'uid', server: 'srv' }, [
      { echo: (_ctx: unknown, { value }: { value: unknown }) => value },
    ]);
    await server.start();
    const client = new RpcClient(await broker.transport(), { topic: 'uid' }, { timeoutSeconds: 5 });
    assert.deepEqual(await Promise.all([1, 2, 3].map((value) => client.call({}, 'echo', { value }))), [1, 2, 3]);
    await server.stop();
  } finally {
    await broker.close();
  }
});
