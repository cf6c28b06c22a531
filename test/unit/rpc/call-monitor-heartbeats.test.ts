import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { MessagingTimeout } from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';
import { rawPeer, type RawPeer } from './support/raw-peer.js';
import { quietFor, until } from '../../helpers/wait.js';

const broker = inProcessBroker();
let server: RpcServer;
let client: RpcClient;
let peer: RawPeer;

before(async () => {
  server = new RpcServer(await broker.transport(), { topic: 'cm', server: 'srv' }, [new DemoEndpoint('srv')]);
  await server.start();
  client = new RpcClient(await broker.transport(), { topic: 'cm', version: '1.3' }, { timeoutSeconds: 10 });
  peer = await rawPeer(await broker.transport());
});
after(async () => {
  await server.stop();
  await broker.close();
});

test('heartbeats keep a call alive past its call-monitor timeout', async () => {
  const started = Date.now();
  assert.equal(await client.prepare({ callMonitorTimeoutSeconds: 2 }).call({}, 'sleep', { seconds: 3.2 }), 3.2);
  assert.ok(Date.now() - started >= 3200);
});

test('without heartbeats (_timeout < 2) the call monitor fails the call early', async () => {
  const started = Date.now();
  await assert.rejects(client.prepare({ callMonitorTimeoutSeconds: 1 }).call({}, 'sleep', { seconds: 2 }), MessagingTimeout);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 990 && elapsed < 1900, `failed after ${elapsed} ms`);
});

test('heartbeats on the wire: ending false every int(_timeout)/2 s, then one final reply, then nothing', async () => {
  const msgId = await peer.call('cm', { method: 'sleep', args: { seconds: 2.5 }, version: '1.3', _timeout: 2 });
  await peer.waitForReplies(3, 5000);
  const mine = () => peer.replies.filter((r) => r._msg_id === msgId);
  await until('the final reply', () => mine().some((r) => r.ending === true), { timeoutMs: 5000 });
  const replies = mine();
  const beats = replies.filter((r) => r.ending === false);
  assert.ok(beats.length >= 2, `${beats.length} heartbeats`);
  for (const beat of beats) assert.deepEqual([beat.result, beat.failure], [null, null]);
  const final = replies.at(-1)!;
  assert.deepEqual([final.result, final.failure, final.ending], [2.5, null, true]);
  // The embedded transport's replies carry no _unique_id (reply-unique-id-per-body-format.test.ts).
  assert.equal(final._unique_id, undefined);
  const count = replies.length;
  await quietFor('a heartbeat after the final reply', 1300, () => mine().length !== count);
  assert.equal(mine().length, count, 'no heartbeat after the final reply');
});

test('NoSuchMethod with _timeout set sends one reply and no stray heartbeats (unlike oslo 14.0.3)', async () => {
  const already = peer.replies.length;
  const msgId = await peer.call('cm', { method: 'no_such_method_here', version: '1.3', _timeout: 2 });
  await peer.waitForReplies(already + 1);
  await quietFor('a stray heartbeat', 1300, () => peer.replies.filter((r) => r._msg_id === msgId).length > 1);
  const replies = peer.replies.filter((r) => r._msg_id === msgId);
  assert.equal(replies.length, 1);
  const failure = JSON.parse(String(replies[0]!.failure)) as Record<string, unknown>;
  assert.deepEqual(
    [failure.class, failure.module, failure.message],
    ['NoSuchMethod', 'oslo_messaging.rpc.dispatcher', 'Endpoint does not support RPC method no_such_method_here'],
  );
});
