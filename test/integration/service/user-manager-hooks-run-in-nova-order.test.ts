import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';

test('a user manager and app loaded from modules: hooks run in nova order, RPC reaches the manager', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-hooks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hookLog = join(dir, 'hooks.log');
  const launcher = await startLauncher(
    [
      '--workers',
      '1',
      '--manager',
      fixturePath('managers/recording-manager.js'),
      '--app',
      fixturePath('apps/rpc-app.js'),
      '--binary',
      'recorder',
      '--embedded-socket',
      join(dir, 's.sock'),
    ],
    { env: { HOOK_LOG: hookLog } },
  );
  t.after(() => launcher.kill());

  const response = JSON.parse((await httpGet(launcher.port, '/whoami')).body) as {
    result: { pid: number; binary: string; calls: string[] };
  };
  assert.equal(response.result.binary, 'recorder');
  assert.deepEqual(response.result.calls, ['initHost', 'preStartHook', 'postStartHook']);

  // SIGHUP sent to the worker itself runs the manager's reset hook in place.
  process.kill(response.result.pid, 'SIGHUP');
  await launcher.waitForLine((line) => line.msg === 'SIGHUP: running the manager reset hook');
  const afterReset = JSON.parse((await httpGet(launcher.port, '/whoami')).body) as { result: { pid: number; calls: string[] } };
  assert.equal(afterReset.result.pid, response.result.pid, 'same worker, not restarted');
  assert.deepEqual(afterReset.result.calls.at(-1), 'reset');

  process.kill(launcher.pid, 'SIGTERM');
  const { code } = await launcher.exited;
  assert.equal(code, 0, 'a failing cleanupHost is logged, not fatal');
  const hooks = readFileSync(hookLog, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ').slice(1).join(' '));
  assert.deepEqual(hooks, ['initHost no-record', 'preStartHook recorder/recorder', 'postStartHook', 'reset', 'cleanupHost']);
  assert.ok(launcher.lines.some((line) => line.msg === 'error during service stop: cleanup_host'));
  assert.ok(
    launcher.lines.some((line) => line.msg === 'periodic run' && line.task === 'singleton'),
    'the decorated task ran',
  );
});
