import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, InvalidArgumentError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { EmbeddedRouter } from '../../../src/rpc/transports/embedded/router.js';
import { connectEmbeddedSocket } from '../../../src/rpc/transports/embedded/socket-client.js';
import { DemoEndpoint } from './support/demo-endpoint.js';

function tempSocket(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-sock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'embedded.sock');
}

test('the socket is 0600; a second router on a live path is refused naming embedded_socket', async (t) => {
  const path = tempSocket(t);
  const router = new EmbeddedRouter({ logger: silentLogger(), socketPath: path });
  await router.start();
  t.after(() => router.stop());
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const second = new EmbeddedRouter({ logger: silentLogger(), socketPath: path });
  await assert.rejects(second.start(), (e: unknown) => e instanceof ConfigError && e.option === 'embedded_socket');
});

test('the socket path is a constructor option; start(path), its deprecated form, still serves it', async (t) => {
  const path = tempSocket(t);
  const router = new EmbeddedRouter({ logger: silentLogger() });
  await assert.rejects(router.start(), InvalidArgumentError, 'no socketPath: nothing to listen on');
  await router.start(path);
  t.after(() => router.stop());
  assert.equal(router.socketPath, path);
  const client = await connectEmbeddedSocket(path);
  await client.stop();
  const other = tempSocket(t);
  const configured = new EmbeddedRouter({ logger: silentLogger(), socketPath: path });
  await assert.rejects(configured.start(other), /the router's socketPath option is/);
});

test('a stale socket of ours (its process died) is replaced; a file that is not a socket is refused, kept', async (t) => {
  const path = tempSocket(t);
  // A process that exits without closing its server leaves its socket file behind.
  const dead = spawnSync(process.execPath, [
    '-e',
    "require('node:net').createServer().listen(process.argv[1], () => process.exit(0))",
    path,
  ]);
  assert.equal(dead.status, 0);
  assert.ok(statSync(path).isSocket());
  const router = new EmbeddedRouter({ logger: silentLogger(), socketPath: path });
  await router.start();
  t.after(() => router.stop());
  const client = await connectEmbeddedSocket(path);
  await client.stop();

  const other = tempSocket(t);
  writeFileSync(other, 'not a socket');
  await assert.rejects(
    new EmbeddedRouter({ logger: silentLogger(), socketPath: other }).start(),
    /exists and is not a unix socket; refusing to replace it/,
  );
  assert.equal(readFileSync(other, 'utf8'), 'not a socket');
});

test('a client sending a malformed frame is disconnected; the router keeps serving others', async (t) => {
  const path = tempSocket(t);
  const router = new EmbeddedRouter({ logger: silentLogger(), socketPath: path });
  await router.start();
  t.after(() => router.stop());

  const serverTransport = await connectEmbeddedSocket(path);
  t.after(() => serverTransport.stop());
  const server = new RpcServer(serverTransport, { topic: 'sock', server: 's' }, [new DemoEndpoint('s')]);
  await server.start();
  t.after(() => server.stop());

  for (const garbage of ['{not json\n', '{"t":"publish","id":"x"}\n', '{"t":"nope","id":1}\n', '[1,2]\n']) {
    const bad = connect(path);
    t.after(() => bad.destroy());
    await once(bad, 'connect');
    bad.write(garbage);
    await once(bad, 'close');
  }

  const clientTransport = await connectEmbeddedSocket(path);
  t.after(() => clientTransport.stop());
  const client = new RpcClient(clientTransport, { topic: 'sock', version: '1.3' }, { timeoutSeconds: 5 });
  assert.equal(await client.call({}, 'add', { a: 40, b: 2 }), 42);
  // Large bodies cross the newline-delimited framing intact, in many socket chunks.
  const big = 'é"\n'.repeat(200_000);
  assert.equal(await client.call({}, 'echo', { value: big }), big);
});

test('connecting to a path where nothing listens fails with a coded error', async (t) => {
  await assert.rejects(connectEmbeddedSocket(tempSocket(t)), { code: 'ERR_RPC_EMBEDDED' });
});
