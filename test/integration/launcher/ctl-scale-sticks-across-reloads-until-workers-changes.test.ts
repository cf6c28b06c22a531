// Issue 26, item 5: `oslo-node-ctl scale N` holds across reloads (SIGHUP) while the configured
// `workers` stays what it was; once the config file's value changes, it wins and the log says so.
// `status` shows both counts: `workers` in force and `configuredWorkers` (and the table's head line).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { CTL, startLauncher } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

interface Status {
  launcher: { workers: number; configuredWorkers: number };
  workers: Array<{ slot: number; state: string }>;
}

test('scale 3, then SIGHUP keeps 3; workers changed in the config file and SIGHUP takes the new value, with a log line', {
  timeout: 180_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-sticky-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { XDG_RUNTIME_DIR: dir };
  const conf = join(dir, 'service.conf');
  writeFileSync(conf, '[DEFAULT]\nworkers = 1\n');
  const launcher = await startLauncher(['--config-file', conf, '--no-prefork-spare'], { env });
  t.after(() => launcher.kill());
  const ctl = (...args: string[]) => execa(process.execPath, [CTL, ...args], { reject: false, env, timeout: 60_000 });
  const status = async (): Promise<Status> => {
    const result = await ctl('status', '--json');
    assert.equal(result.exitCode, 0, result.stderr);
    return JSON.parse(result.stdout) as Status;
  };
  const slots = (current: Status): string[] => current.workers.filter((row) => row.slot > 0).map((row) => `${row.slot}:${row.state}`);
  const reloads = (): number => launcher.lines.filter((line) => line.msg === 'rolling restart complete').length;
  const reload = async (): Promise<void> => {
    const before = reloads();
    process.kill(launcher.pid, 'SIGHUP');
    await until('the rolling restart after SIGHUP', () => reloads() > before, { timeoutMs: 60_000, intervalMs: 100 });
  };

  const first = await status();
  assert.deepEqual([first.launcher.workers, first.launcher.configuredWorkers], [1, 1]);
  const scaled = await ctl('scale', '3');
  assert.equal(scaled.exitCode, 0, scaled.stderr);
  const afterScale = await status();
  assert.deepEqual([afterScale.launcher.workers, afterScale.launcher.configuredWorkers], [3, 1]);
  const table = await ctl('status');
  assert.match(table.stdout, /workers 3 \(configured 1, scaled with ctl scale\)/);

  // The config file did not change: the scaled count holds.
  await reload();
  const kept = await status();
  assert.deepEqual(slots(kept), ['1:ready', '2:ready', '3:ready'], 'scale 3 survives the reload');
  assert.deepEqual([kept.launcher.workers, kept.launcher.configuredWorkers], [3, 1]);
  assert.ok(
    launcher.lines.some(
      (line) => line.msg === 'keeping the worker count set by ctl.js scale: the configured workers did not change' && line.workers === 3,
    ),
  );

  // The configured value itself changed: the config wins, and the log says so.
  writeFileSync(conf, '[DEFAULT]\nworkers = 2\n');
  await reload();
  const changed = await status();
  assert.deepEqual(slots(changed), ['1:ready', '2:ready']);
  assert.deepEqual([changed.launcher.workers, changed.launcher.configuredWorkers], [2, 2]);
  const line = launcher.lines.find((one) =>
    /^workers changed in the configuration \(1 -> 2\): it replaces the 3 workers set by ctl\.js scale$/.test(one.msg),
  );
  assert.ok(line, 'the log says the configuration replaced the scaled count');
  assert.deepEqual([line.from, line.to, line.scaled], [1, 2, 3]);

  // And from now on the configuration rules: another reload keeps 2 and says nothing of scale.
  await reload();
  assert.deepEqual(slots(await status()), ['1:ready', '2:ready']);
  assert.equal(launcher.lines.filter((one) => one.msg.startsWith('keeping the worker count set by ctl.js scale')).length, 1);
});
