// Issue 16, part 2: node dist/ctl.js status [--json] | scale N | reload | stop, through the
// launcher's control socket, with the exit codes of rpc.js.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { startHttpLoad, summary } from '../../helpers/fault-load.js';
import { until } from '../../helpers/wait.js';
import { CTL, startLauncher } from '../../helpers/launcher.js';

/** A private runtime folder of our own, so the default control socket is this test's. */
function runtimeDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-ctl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ctl = (env: Record<string, string>, ...args: string[]) =>
  execa(process.execPath, [CTL, ...args], { reject: false, env, timeout: 60_000 });

interface Status {
  launcher: Record<string, unknown>;
  workers: Array<{ slot: number; pid: number; state: string; [key: string]: unknown }>;
}

test('status --json and the table, scale up and down under load with 0 failed requests, reload, stop', async (t) => {
  const env = { XDG_RUNTIME_DIR: runtimeDir(t) };
  const launcher = await startLauncher(['--workers', '1'], { env });
  t.after(() => launcher.kill());
  await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting', 20_000, 'the spare');
  const control = String((await launcher.waitForLine((line) => line.msg === 'control socket listening (node dist/ctl.js)')).socket);
  assert.equal(control, join(dirname(control), `control-${launcher.pid}.sock`));
  // The private runtime folder, where the embedded socket is by default (the test helper gives
  // each launcher an embedded socket of its own elsewhere).
  assert.equal(
    dirname(control),
    join(env.XDG_RUNTIME_DIR, `oslo-node-${process.getuid!()}`),
    'the control socket sits in the private runtime folder',
  );
  assert.equal(statSync(control).mode & 0o777, 0o600);
  assert.equal(statSync(dirname(control)).mode & 0o777, 0o700);

  const statusOf = async (): Promise<Status> => {
    const result = await ctl(env, 'status', '--json');
    assert.equal(result.exitCode, 0, result.stderr);
    return JSON.parse(result.stdout) as Status;
  };
  const first = await statusOf();
  assert.deepEqual(Object.keys(first.launcher).slice(0, 5), ['pid', 'uptimeSeconds', 'state', 'port', 'transport']);
  assert.equal(first.launcher.pid, launcher.pid);
  assert.equal(first.launcher.port, launcher.port);
  assert.equal(first.launcher.state, 'running');
  assert.equal(first.launcher.transport, 'embedded');
  for (const row of first.workers) {
    assert.deepEqual(Object.keys(row), [
      'slot',
      'pid',
      'state',
      'uptimeSeconds',
      'restarts',
      'cpuPercent',
      'rssBytes',
      'requests',
      'inFlight',
    ]);
  }
  assert.deepEqual(
    first.workers.map((row) => row.state),
    ['ready', 'spare'],
  );
  const table = await ctl(env, 'status');
  assert.equal(table.exitCode, 0);
  for (const header of ['slot', 'pid', 'state', 'uptime', 'restarts', 'cpu', 'mem', 'requests', 'in flight'])
    assert.match(table.stdout, new RegExp(`│ ${header}`));
  for (const row of first.workers) assert.match(table.stdout, new RegExp(`│ ${row.pid} +│ ${row.state}`));

  const load = startHttpLoad('load while scaling', launcher.port, [{ path: '/healthz' }], { concurrency: 4, maxMs: 40_000 });
  t.after(() => load.stop());
  await until('requests answered', () => load.tally.ok > 20);
  const up = await ctl(env, 'scale', '3');
  assert.equal(up.exitCode, 0, up.stderr);
  const scaled = await statusOf();
  assert.deepEqual(
    scaled.workers.filter((row) => row.slot > 0).map((row) => `${row.slot}:${row.state}`),
    ['1:ready', '2:ready', '3:ready'],
    'new workers serve when scale returns',
  );
  assert.equal(scaled.launcher.workers, 3);
  await until(
    'every worker served requests',
    async () => (await statusOf()).workers.filter((row) => row.slot > 0).every((row) => (row.requests as number) > 0),
    { timeoutMs: 10_000, intervalMs: 200 },
  );

  const down = await ctl(env, 'scale', '1');
  assert.equal(down.exitCode, 0, down.stderr);
  const shrunk = await statusOf();
  assert.deepEqual(
    shrunk.workers.filter((row) => row.slot > 0).map((row) => row.slot),
    [1],
  );
  for (const row of scaled.workers.filter((r) => r.slot > 1)) {
    assert.ok(
      launcher.lines.some((line) => line.msg === 'worker exited' && line.workerPid === row.pid && line.code === 0),
      `slot ${row.slot} drained and exited 0`,
    );
  }

  const before = shrunk.workers.find((row) => row.slot === 1)!.pid;
  const reload = await ctl(env, 'reload');
  assert.equal(reload.exitCode, 0, reload.stderr);
  assert.ok(
    launcher.lines.some((line) => line.msg === 'rolling restart complete'),
    'reload returns once it is complete',
  );
  assert.notEqual((await statusOf()).workers.find((row) => row.slot === 1)!.pid, before);
  await until('requests answered after the reload', () => load.tally.ok > 0);
  const tally = await load.stop();
  t.diagnostic(summary(tally));
  assert.equal(tally.failed, 0, tally.errors.join('; '));

  const stop = await ctl(env, 'stop');
  assert.equal(stop.exitCode, 0, stop.stderr);
  assert.deepEqual(await launcher.exited, { code: 0, signal: null });
  const gone = await ctl(env, 'status');
  assert.equal(gone.exitCode, 3, 'no launcher reachable');
  assert.match(gone.stderr, /no launcher control socket/);
});

test('exit codes, --pid-file picks one of two launchers, and workers from the config file take effect on SIGHUP', async (t) => {
  const dir = runtimeDir(t);
  const env = { XDG_RUNTIME_DIR: dir };
  const usage = await Promise.all([ctl(env, 'frob'), ctl(env, 'scale'), ctl(env, 'scale', '0'), ctl(env, 'reload', '--json')]);
  assert.deepEqual(
    usage.map((result) => result.exitCode),
    [2, 2, 2, 2],
  );
  assert.equal((await ctl(env, 'status', '--control-socket', join(dir, 'nothing.sock'))).exitCode, 3);

  const conf = join(dir, 'service.conf');
  writeFileSync(conf, '[DEFAULT]\nworkers = 1\n');
  const first = await startLauncher(['--pid-file', join(dir, 'first.pid'), '--no-prefork-spare', '--workers', '1'], { env });
  t.after(() => first.kill());
  const second = await startLauncher(
    ['--pid-file', join(dir, 'second.pid'), '--no-prefork-spare', '--config-file', conf, '--embedded-socket', join(dir, 'second.sock')],
    { env },
  );
  t.after(() => second.kill());
  const ambiguous = await ctl(env, 'reload');
  assert.equal(ambiguous.exitCode, 2, 'two launchers run and none was chosen');
  assert.match(ambiguous.stderr, /2 launchers run .*--pid-file/);
  // status with none named shows both (issue 26), one JSON document a line.
  const both = await ctl(env, 'status', '--json');
  assert.equal(both.exitCode, 0, both.stderr);
  assert.deepEqual(
    both.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as Status).launcher.pid)
      .sort(),
    [first.pid, second.pid].sort(),
  );
  for (const [launcher, file] of [
    [first, 'first.pid'],
    [second, 'second.pid'],
  ] as const) {
    const result = await ctl(env, 'status', '--json', '--pid-file', join(dir, file));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Status).launcher.pid, launcher.pid);
  }

  // The launcher refuses: a reload with an invalid configuration file exits 1 with the reason.
  writeFileSync(conf, '[DEFAULT]\nworkers = many\n');
  const refused = await ctl(env, 'reload', '--pid-file', join(dir, 'second.pid'));
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stderr, /reload aborted.*workers/);

  writeFileSync(conf, '[DEFAULT]\nworkers = 2\n');
  process.kill(second.pid, 'SIGHUP');
  await second.waitForLine((line) => line.msg === 'rolling restart complete', 20_000, 'rolling restart complete');
  const status = JSON.parse((await ctl(env, 'status', '--json', '--pid-file', join(dir, 'second.pid'))).stdout) as Status;
  assert.deepEqual(
    status.workers.map((row) => `${row.slot}:${row.state}`),
    ['1:ready', '2:ready'],
    'workers = 2 from the file',
  );
  assert.ok(!second.lines.some((line) => /need a full restart/.test(line.msg)));
});
