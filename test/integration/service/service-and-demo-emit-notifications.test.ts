/**
 * A launcher with a notification driver and no broker: the embedded transport carries the
 * service's `service.update` (started, disabled, enabled, stopped) and the demo's `demo.add` to a
 * `node dist/rpc.js listen` on the launcher's socket. Without a driver nothing is sent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { httpGet } from '../../helpers/http.js';
import { RPC_CLI, startLauncher } from '../../helpers/launcher.js';

/** `rpc.js listen` at debug level; resolves once it consumes (wrapped: the child is a promise). */
async function listen(socket: string, ...args: string[]): Promise<{ child: ResultPromise }> {
  const child = execa(process.execPath, [RPC_CLI, 'listen', ...args, '--embedded-socket', socket, '--log-level', 'debug'], {
    reject: false,
    timeout: 30_000,
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('notification listener consuming')) resolve();
    });
    void child.then((result) => reject(new Error(`listen exited early: ${String(result.stderr)}`)));
  });
  return { child };
}

const lines = (stdout: unknown): Array<Record<string, unknown>> =>
  String(stdout)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('service.update on start, disable, enable and stop, and demo.add after each add, over the embedded transport', {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-notify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'rpc.sock');
  const host = hostname();
  const launcher = await startLauncher(
    ['--workers', '1', '--embedded-socket', socket, '--notification-driver', 'messagingv2', '--notification-topics', 'svc-notes'],
    {
      env: { OSLO_NODE_ADMIN_TOKEN: 'notify-admin-token' },
    },
  );
  t.after(() => launcher.kill());
  // The start's notification waits in svc-notes.info (the sender declared it), so listening late loses nothing.
  const { child: listener } = await listen(socket, 'svc-notes', '--count', '5', '--timeout', '25');

  const add = await execa(process.execPath, [RPC_CLI, 'call', 'demo', 'add', '{"a": 2, "b": 40}', '--embedded-socket', socket], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(add.stdout.trim(), '42', add.stderr);
  const admin = { method: 'POST', headers: { authorization: 'Bearer notify-admin-token' } } as const;
  assert.equal(
    (await httpGet(launcher.port, '/v1/services/disable', { ...admin, body: JSON.stringify({ reason: 'maintenance' }) })).status,
    200,
  );
  assert.equal((await httpGet(launcher.port, '/v1/services/enable', { ...admin, body: '{}' })).status, 200);
  launcher.child.kill('SIGTERM');
  assert.equal((await launcher.exited).code, 0);

  const result = await listener;
  assert.equal(result.exitCode, 0, String(result.stderr));
  const got = lines(result.stdout);
  const updates = got.filter((line) => line.event_type === 'service.update');
  assert.deepEqual(
    updates.map((line) => (line.payload as { state: string }).state),
    ['up', 'disabled', 'enabled', 'down'],
  );
  for (const update of updates) {
    assert.equal(update.priority, 'info');
    assert.equal(update.publisher_id, `demo.${host}`);
    const payload = update.payload as Record<string, unknown>;
    assert.deepEqual([payload.host, payload.binary, payload.topic], [host, 'demo', 'demo']);
  }
  assert.deepEqual(
    [(updates[1]!.payload as Record<string, unknown>).disabled, (updates[1]!.payload as Record<string, unknown>).disabled_reason],
    [true, 'maintenance'],
  );
  assert.equal((updates[2]!.payload as Record<string, unknown>).disabled, false);
  const added = got.find((line) => line.event_type === 'demo.add');
  assert.ok(added, 'demo.add arrived');
  assert.deepEqual([added.priority, added.publisher_id, added.payload], ['info', `demo.${host}`, { a: 2, b: 40, result: 42 }]);
});

test('without a notification driver the service sends nothing', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-notify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'rpc.sock');
  const launcher = await startLauncher(['--workers', '1', '--embedded-socket', socket, '--notification-topics', 'quiet-notes']);
  t.after(() => launcher.kill());
  const add = await execa(process.execPath, [RPC_CLI, 'call', 'demo', 'add', '{"a": 1, "b": 1}', '--embedded-socket', socket], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(add.stdout.trim(), '2', add.stderr);
  const quiet = await execa(
    process.execPath,
    [RPC_CLI, 'listen', 'quiet-notes', '--count', '1', '--timeout', '1', '--embedded-socket', socket],
    { reject: false, timeout: 15_000 },
  );
  assert.equal(quiet.exitCode, 3, 'nothing to print: the timeout passes');
  assert.equal(quiet.stdout, '');
});
