import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import {
  InvalidTarget,
  MessagingTimeout,
  NoSuchMethod,
  RemoteError,
  RpcVersionCapError,
  UnsupportedVersion,
} from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import type { EmbeddedTransport } from '../../../src/rpc/transports/embedded/transport.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';

const broker = inProcessBroker();
const endpoints = { a: new DemoEndpoint('srv-a'), b: new DemoEndpoint('srv-b') };
let clientTransport: EmbeddedTransport;
let client: RpcClient;
const servers: RpcServer[] = [];

before(async () => {
  for (const name of ['a', 'b'] as const) {
    const transport = await broker.transport();
    const server = new RpcServer(transport, { topic: 'demo', server: `srv-${name}` }, [endpoints[name]], { pingEnabled: true });
    servers.push(server);
    await server.start();
  }
  clientTransport = await broker.transport();
  client = new RpcClient(clientTransport, { topic: 'demo', version: '1.3' }, { timeoutSeconds: 5 });
});
after(async () => {
  for (const server of servers) await server.stop();
  await broker.close();
});

test('call returns the endpoint result; casts and calls share one reply queue', async () => {
  assert.deepEqual(await client.call({}, 'echo', { value: { nested: [1, 'two'] } }), { nested: [1, 'two'] });
  assert.equal(await client.call({}, 'add', { a: 2, b: 3 }), 5);
  assert.equal(await client.call({}, 'echo', {}), null);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.call({}, 'add', { a: i, b: 1 })));
  assert.deepEqual(
    results,
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
});

test('the context arrives as sent, with a request_id added when missing and no transport fields', async () => {
  const ctx = (await client.call({ user_id: 'u1', roles: ['member'], nested: { a: 1 } }, 'context')) as Record<string, unknown>;
  assert.match(String(ctx.request_id), /^req-[0-9a-f-]{36}$/);
  assert.deepEqual({ ...ctx, request_id: undefined }, { user_id: 'u1', roles: ['member'], nested: { a: 1 }, request_id: undefined });
  const kept = (await client.call({ request_id: 'req-given' }, 'context')) as Record<string, unknown>;
  assert.equal(kept.request_id, 'req-given');
});

test('calls to the topic are shared between servers; topic.server reaches only that server', async () => {
  const seen = new Set<unknown>();
  for (let i = 0; i < 10; i++) seen.add(await client.call({}, 'whoami'));
  assert.deepEqual([...seen].sort(), ['srv-a', 'srv-b']);
  const toB = client.prepare({ server: 'srv-b' });
  for (let i = 0; i < 5; i++) assert.equal(await toB.call({}, 'whoami'), 'srv-b');
});

test('a cast reaches one server; a fanout cast reaches every server', async () => {
  const single = once(endpoints.a.events, 'notify');
  await client.prepare({ server: 'srv-a' }).cast({}, 'notify', { n: 1 });
  assert.deepEqual(await single, ['srv-a', { n: 1 }]);

  const both = Promise.all([once(endpoints.a.events, 'notify'), once(endpoints.b.events, 'notify')]);
  await client.prepare({ fanout: true }).cast({}, 'notify', { n: 2 });
  const [fromA, fromB] = await both;
  assert.deepEqual(
    [fromA, fromB],
    [
      ['srv-a', { n: 2 }],
      ['srv-b', { n: 2 }],
    ],
  );
});

test('endpoint errors come back as RemoteError; dispatch errors as NoSuchMethod / UnsupportedVersion', async () => {
  await assert.rejects(
    client.call({}, 'fail', { message: 'boom' }),
    (e: unknown) =>
      e instanceof RemoteError && e.excType === 'DemoError' && e.value === 'boom' && e.module === 'nodejs' && e.traceback.length > 1,
  );
  await assert.rejects(client.call({}, 'toString'), NoSuchMethod);
  await assert.rejects(client.call({}, '_private'), NoSuchMethod);
  await assert.rejects(client.prepare({ version: '1.4' }).call({}, 'echo'), UnsupportedVersion);
  await assert.rejects(client.prepare({ namespace: 'other' }).call({}, 'echo'), UnsupportedVersion);
});

test('version cap, fanout call and empty topic are refused before sending', async () => {
  const capped = client.prepare({ versionCap: '1.2' });
  assert.equal(capped.canSendVersion('1.2'), true);
  assert.equal(capped.canSendVersion(), false);
  await assert.rejects(capped.call({}, 'echo'), RpcVersionCapError);
  await assert.rejects(capped.cast({}, 'echo'), UnsupportedVersion);
  await assert.rejects(client.prepare({ fanout: true }).call({}, 'echo'), InvalidTarget);
  await assert.rejects(new RpcClient(clientTransport, { topic: '' }).cast({}, 'echo'), InvalidTarget);
});

test('a call to a topic nobody serves times out with MessagingTimeout', async () => {
  const started = Date.now();
  await assert.rejects(new RpcClient(clientTransport, { topic: 'nobody' }, { timeoutSeconds: 0.3 }).call({}, 'echo'), MessagingTimeout);
  assert.ok(Date.now() - started >= 290);
});

test('oslo_rpc_server_ping answers pong when ping is enabled', async () => {
  assert.equal(await client.prepare({ version: '1.0' }).call({}, 'oslo_rpc_server_ping'), 'pong');
});
