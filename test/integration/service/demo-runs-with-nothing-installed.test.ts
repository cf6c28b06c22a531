import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { httpGet } from '../../helpers/http.js';
import { RPC_CLI, startLauncher } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

test('no broker: the demo is up in the service group, RPC reaches both workers, the rpc CLI works over the unix socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'rpc.sock');
  const launcher = await startLauncher(['--workers', '2', '--embedded-socket', socket, '--metrics-enabled']);
  t.after(() => launcher.kill());

  const services = JSON.parse((await httpGet(launcher.port, '/v1/services')).body) as { services: Array<Record<string, unknown>> };
  assert.equal(services.services.length, 1);
  assert.equal(services.services[0]!.binary, 'demo');
  assert.equal(services.services[0]!.topic, 'demo');
  assert.equal(services.services[0]!.state, 'up');
  assert.equal(services.services[0]!.disabled, false);

  const answeredBy = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const response = await httpGet(launcher.port, '/v1/rpc/ping');
    assert.equal(response.status, 200, response.body);
    answeredBy.add((JSON.parse(response.body) as { result: { pid: number } }).result.pid);
  }
  assert.equal(answeredBy.size, 2, 'ping calls are answered by both workers');

  const echo = await httpGet(launcher.port, '/v1/rpc/echo', { method: 'POST', body: JSON.stringify({ value: { a: [1, 'x'] } }) });
  assert.deepEqual(JSON.parse(echo.body), { result: { a: [1, 'x'] } });

  const cli = await execa(process.execPath, [RPC_CLI, 'call', 'demo', 'echo', '{"value": 1}', '--embedded-socket', socket], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(cli.exitCode, 0, cli.stderr);
  assert.equal(cli.stdout.trim(), '1');

  const failure = await execa(process.execPath, [RPC_CLI, 'call', 'demo', 'fail', '{"message": "boom"}', '--embedded-socket', socket], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(failure.exitCode, 1);
  assert.match(failure.stderr, /DemoError/);
  assert.match(failure.stderr, /boom/);

  const workers = JSON.parse((await httpGet(launcher.port, '/v1/workers')).body) as { workers: Array<{ pid: number; ready: boolean }> };
  assert.equal(workers.workers.length, 2);
  assert.ok(workers.workers.every((worker) => worker.ready));

  const metrics = await httpGet(launcher.port, '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /oslo_node_rpc_calls_total\{method="ping",outcome="ok"\} 20/);
  assert.match(metrics.body, /oslo_node_nodejs_eventloop_lag_seconds \d/);
});

test('the rpc CLI: usage errors exit 2, a call to a topic with no server times out with exit 3', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'rpc.sock');
  const launcher = await startLauncher(['--workers', '1', '--embedded-socket', socket]);
  t.after(() => launcher.kill());
  const usage = await execa(process.execPath, [RPC_CLI, 'frobnicate'], { reject: false, timeout: 15_000 });
  assert.equal(usage.exitCode, 2);
  const timeout = await execa(process.execPath, [RPC_CLI, 'call', 'nobody', 'ping', '--timeout', '1', '--embedded-socket', socket], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(timeout.exitCode, 3, timeout.stderr);
  const cast = await execa(process.execPath, [RPC_CLI, 'cast', 'demo', 'echo', '{"value": 2}', '--embedded-socket', socket], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(cast.exitCode, 0, cast.stderr);
});

test('admin routes exist only with admin_token, require it, and disable a service in the group', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-admin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const open = await startLauncher(['--workers', '1', '--embedded-socket', join(dir, 'a.sock')]);
  t.after(() => open.kill());
  assert.equal((await httpGet(open.port, '/v1/services/disable', { method: 'POST', body: '{}' })).status, 404, 'off without a token');

  const guarded = await startLauncher(['--workers', '1', '--embedded-socket', join(dir, 'b.sock')], {
    env: { OSLO_NODE_ADMIN_TOKEN: 's3cret-token' },
  });
  t.after(() => guarded.kill());
  assert.equal((await httpGet(guarded.port, '/v1/services/disable', { method: 'POST', body: '{}' })).status, 401);
  assert.equal(
    (await httpGet(guarded.port, '/v1/services/disable', { method: 'POST', body: '{}', headers: { authorization: 'Bearer wrong-token!' } }))
      .status,
    401,
  );
  const disabled = await httpGet(guarded.port, '/v1/services/disable', {
    method: 'POST',
    body: JSON.stringify({ reason: 'maintenance' }),
    headers: { authorization: 'Bearer s3cret-token' },
  });
  assert.equal(disabled.status, 200, disabled.body);
  type Row = { disabled: boolean; disabledReason: string | null };
  const service = await until(
    'the service disabled',
    async () => {
      const row = (JSON.parse((await httpGet(guarded.port, '/v1/services')).body) as { services: Row[] }).services[0];
      return row?.disabled ? row : undefined;
    },
    { timeoutMs: 3000, intervalMs: 20 },
  );
  assert.deepEqual([service.disabled, service.disabledReason], [true, 'maintenance']);
  assert.ok(!guarded.lines.some((line) => JSON.stringify(line).includes('s3cret-token')), 'the token never reaches the log');
});
