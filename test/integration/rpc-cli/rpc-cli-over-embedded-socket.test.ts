import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { RpcServer } from '../../../src/rpc/server.js';
import { DemoEndpoint } from '../../unit/rpc/support/demo-endpoint.js';
import { inProcessBroker } from '../../unit/rpc/support/in-process.js';

const RPC = fileURLToPath(new URL('../../../rpc.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'oslo-node-cli-'));
const socketPath = join(dir, 'embedded.sock');
const broker = inProcessBroker({ socketPath });
const endpoints = { a: new DemoEndpoint('srv-a'), b: new DemoEndpoint('srv-b') };
const servers: RpcServer[] = [];

before(async () => {
  await broker.router.start();
  for (const name of ['a', 'b'] as const) {
    const server = new RpcServer(await broker.transport(), { topic: 'demo', server: `srv-${name}` }, [endpoints[name]]);
    servers.push(server);
    await server.start();
  }
});
after(async () => {
  for (const server of servers) await server.stop();
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

const rpc = (...args: string[]) =>
  execa('node', [RPC, ...args, '--embedded-socket', socketPath], {
    reject: false,
    timeout: 15_000,
    env: { OSLO_NODE_EMBEDDED_SOCKET: '' },
  });

test('call prints the JSON result on stdout and exits 0', async () => {
  const result = await rpc('call', 'demo', 'echo', '{"value": {"a": [1, "x"]}}');
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { a: [1, 'x'] });
  const sum = await rpc('call', 'demo', 'add', '{"a": 2, "b": 3}', '--server', 'srv-b');
  assert.equal(sum.stdout, '5');
  assert.equal((await rpc('call', 'demo', 'whoami', '--server=srv-a')).stdout, '"srv-a"');
});

test('a remote error exits 1 with the error as JSON on stderr', async () => {
  const failed = await rpc('call', 'demo', 'fail', '{"message": "boom"}');
  assert.equal(failed.exitCode, 1);
  const error = JSON.parse(failed.stderr) as Record<string, unknown>;
  assert.deepEqual([error.error, error.module, error.message], ['DemoError', 'nodejs', 'boom']);
  const missing = await rpc('call', 'demo', 'no_such_method');
  assert.equal(missing.exitCode, 1);
  assert.equal((JSON.parse(missing.stderr) as { error: string }).error, 'NoSuchMethod');
});

test('cast and fanout cast exit 0 and reach the servers', async () => {
  const both = Promise.all([once(endpoints.a.events, 'notify'), once(endpoints.b.events, 'notify')]);
  const cast = await rpc('cast', 'demo', 'notify', '{"n": 1}', '--fanout');
  assert.equal(cast.exitCode, 0, cast.stderr);
  assert.equal(cast.stdout, '');
  await both;
});

test('a timeout or an unreachable socket exits 3; bad usage exits 2', async () => {
  assert.equal((await rpc('call', 'nobody', 'echo', '--timeout', '0.3')).exitCode, 3);
  const unreachable = await execa('node', [RPC, 'call', 'demo', 'echo', '--embedded-socket', join(dir, 'none.sock')], { reject: false });
  assert.equal(unreachable.exitCode, 3);
  for (const args of [
    ['call'],
    ['ping', 'demo', 'echo'],
    ['call', 'demo', 'echo', '[1]'],
    ['call', 'demo', 'echo', '{bad'],
    ['call', 'demo', 'echo', '--fanout'],
    ['call', 'demo', 'echo', '--no-such-flag'],
  ]) {
    const result = await rpc(...args);
    assert.equal(result.exitCode, 2, `${args.join(' ')}: ${result.stderr}`);
  }
});

test('the socket path can come from the environment', async () => {
  const result = await execa('node', [RPC, 'call', 'demo', 'echo', '{"value": "env"}'], {
    reject: false,
    env: { OSLO_NODE_EMBEDDED_SOCKET: socketPath },
  });
  assert.equal(result.stdout, '"env"', result.stderr);
});
