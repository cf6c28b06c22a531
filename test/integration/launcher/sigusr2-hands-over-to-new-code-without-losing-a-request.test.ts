/**
 * SIGUSR2 under steady load (issue 26, item 2): the launcher starts a new launcher from the code
 * on disk (here another release, switched to by its `current` link), passes it the sockets, and
 * exits 0 once the new one took over. HTTP on keep-alive and new connections, RPC calls made by
 * the workers and RPC calls through the embedded socket (a new connection each, as rpc.js makes
 * them): none may fail or be refused. The new launcher logs the new release's version, writes
 * the pid file and answers ctl.js on the same control socket.
 *
 * A second test hands over to a release that cannot start (its manager throws on load), through
 * `oslo-node-ctl upgrade`: ctl.js exits 1 with the reason, the old launcher keeps serving, the
 * pid file keeps its pid, and still nothing fails.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { connectEmbeddedSocket } from '../../../src/rpc/transports/embedded/socket-client.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { demoRpcRoutes, failuresByConnection, startHttpLoad, startLoop, summary, type Loop } from '../../helpers/fault-load.js';
import { CTL, isAlive, startLauncher, waitForPidGone, type LogLine, type RunningLauncher } from '../../helpers/launcher.js';
import { makeReleases, type Releases } from '../../helpers/releases.js';
import { until } from '../../helpers/wait.js';

const run = promisify(execFile);

interface Loads {
  readonly loops: Loop[];
  readonly pids: Set<number>;
  stop(): Promise<void>;
}

/** HTTP (keep-alive and new connections), RPC through the workers, RPC on a new embedded-socket connection per call. */
function startLoads(t: TestContext, port: number, embeddedSocket: string): Loads {
  const pids = new Set<number>();
  const http = startHttpLoad(
    'http /healthz',
    port,
    [{ path: '/healthz', check: (body) => void pids.add((JSON.parse(body) as { pid: number }).pid) }],
    { concurrency: 4, maxMs: 90_000 },
  );
  const viaWorkers = startHttpLoad('rpc via the workers', port, demoRpcRoutes(), { concurrency: 2, maxMs: 90_000 });
  const direct = startLoop(
    'rpc calls on the embedded socket (a connection each)',
    async (_lane, n) => {
      const transport = await connectEmbeddedSocket(embeddedSocket);
      try {
        const result = await new RpcClient(transport, { topic: 'demo' }, { timeoutSeconds: 15 }).call({}, 'echo', { value: n });
        if (result !== n) throw new Error(`echo ${n} answered ${JSON.stringify(result)}`);
      } finally {
        await transport.stop();
      }
    },
    { concurrency: 1, maxMs: 90_000, pauseMs: 20 },
  );
  const loops = [http, viaWorkers, direct];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= Promise.all(loops.map((loop) => loop.stop())).then(() => undefined));
  t.after(stop);
  return { loops, pids, stop };
}

function report(loads: Loads): void {
  for (const loop of loads.loops) console.log(summary(loop.tally));
  for (const loop of loads.loops.slice(0, 2))
    console.log(`# ${loop.tally.name} failures by connection: ${JSON.stringify(failuresByConnection(loop.tally))}`);
}

function assertNothingFailed(loads: Loads): void {
  for (const loop of loads.loops) {
    assert.ok(loop.tally.ok > 10, `${loop.tally.name}: only ${loop.tally.ok} answered`);
    assert.equal(loop.tally.failed, 0, `${loop.tally.name}: ${loop.tally.failed} failed: ${loop.tally.errors.join('; ')}`);
  }
}

async function someTraffic(loads: Loads, count = 40): Promise<void> {
  const http = loads.loops[0]!.tally;
  const before = http.ok;
  await until(`${count} more answered requests`, () => http.ok >= before + count, { timeoutMs: 30_000, intervalMs: 20 });
}

function lineOf(launcher: RunningLauncher, pid: number, msg: string): LogLine | undefined {
  return launcher.lines.find((line) => line.pid === pid && line.msg === msg);
}

/** Two workers from the release in use, with the pid file and both sockets in the releases' folder. */
async function startReleaseLauncher(t: TestContext, releases: Releases) {
  const pidFile = join(releases.dir, 'launcher.pid');
  const controlSocket = join(releases.dir, 'control.sock');
  const embeddedSocket = join(releases.dir, 'embedded.sock');
  const launcher = await startLauncher(
    [
      ...['--workers', '2', '--embedded-socket', embeddedSocket, '--control-socket', controlSocket, '--pid-file', pidFile],
      ...['--graceful-shutdown-timeout', '20', '--no-access-log'],
    ],
    { entry: releases.entry, timeoutMs: 60_000 },
  );
  t.after(() => launcher.kill());
  return { launcher, pidFile, controlSocket, embeddedSocket };
}

test('SIGUSR2 under load: the new release takes over, nothing fails or is refused, the old launcher exits 0', {
  timeout: 150_000,
}, async (t) => {
  const releases = makeReleases(t);
  releases.add('a');
  releases.add('b');
  releases.use('a');
  const { launcher, pidFile, controlSocket, embeddedSocket } = await startReleaseLauncher(t, releases);
  const oldPid = launcher.pid;
  assert.equal(lineOf(launcher, oldPid, 'launcher listening')?.version, releases.versionOf('a'));

  const loads = startLoads(t, launcher.port, embeddedSocket);
  await someTraffic(loads);
  releases.use('b');
  const signalled = performance.now();
  process.kill(oldPid, 'SIGUSR2');
  const took = await launcher.waitForLine(
    (line) => line.msg === `took over from launcher ${oldPid}`,
    90_000,
    'the new launcher taking over',
  );
  const tookMs = performance.now() - signalled;
  const newPid = took.pid;
  t.after(async () => {
    if (!isAlive(newPid)) return;
    process.kill(newPid, 'SIGTERM');
    await waitForPidGone(newPid, 30_000).catch(() => process.kill(newPid, 'SIGKILL'));
  });
  await waitForPidGone(oldPid, 60_000).catch((error: Error) => {
    const its = launcher.lines.filter((line) => line.pid === oldPid).slice(-25);
    throw new Error(`${error.message}; the old launcher's last lines:\n${its.map((line) => JSON.stringify(line)).join('\n')}`);
  });
  const goneMs = performance.now() - signalled;
  await someTraffic(loads, 100);
  await loads.stop();
  report(loads);
  const handedOver = lineOf(launcher, oldPid, `handover: launcher ${newPid} took over; draining and exiting`);
  console.log(
    `# SIGUSR2 -> new launcher took over: ${tookMs.toFixed(0)} ms (its own count: ${String(handedOver?.handoverMs)} ms); -> old launcher gone: ${goneMs.toFixed(0)} ms`,
  );
  for (const line of launcher.lines.filter((l) => l.level >= 40)) console.log(`# warning: ${JSON.stringify(line)}`);

  assertNothingFailed(loads);
  assert.notEqual(newPid, oldPid);
  assert.equal(lineOf(launcher, newPid, 'launcher listening')?.version, releases.versionOf('b'), 'the new launcher runs release b');
  assert.equal(lineOf(launcher, newPid, 'launcher listening')?.inherited, 'handover');
  const newWorkers = lineOf(launcher, newPid, 'launcher ready')!.pids as number[];
  assert.ok(
    newWorkers.some((pid) => loads.pids.has(pid)),
    `the new launcher's workers (${newWorkers.join(', ')}) answered requests`,
  );
  assert.equal(lineOf(launcher, oldPid, 'all workers stopped; exiting 0')?.code, 0, 'the old launcher drained and exited 0');
  assert.deepEqual(handedOver?.adopted, ['embedded', 'control']);
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(newPid), 'the pid file names the new launcher');
  const status = await run(process.execPath, [CTL, 'status', '--json', '--control-socket', controlSocket]);
  assert.equal(
    (JSON.parse(status.stdout) as { launcher: { pid: number } }).launcher.pid,
    newPid,
    'ctl.js reaches the new launcher on the same control socket',
  );
});

test('ctl upgrade to a release that cannot start: exit 1 with the reason, the old launcher keeps serving, nothing fails', {
  timeout: 120_000,
}, async (t) => {
  const releases = makeReleases(t);
  releases.add('a');
  releases.add('broken', (src) =>
    writeFileSync(join(src, 'demo', 'manager.js'), "throw new Error('release broken: this manager does not load');\n"),
  );
  releases.use('a');
  const { launcher, pidFile, controlSocket, embeddedSocket } = await startReleaseLauncher(t, releases);
  const loads = startLoads(t, launcher.port, embeddedSocket);
  await someTraffic(loads);
  releases.use('broken');
  const upgrade = await run(process.execPath, [CTL, 'upgrade', '--control-socket', controlSocket]).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  console.log(`# ctl.js upgrade: exit ${upgrade.code}: ${upgrade.stderr.trim()}`);
  await someTraffic(loads, 100);
  await loads.stop();
  report(loads);

  assert.equal(upgrade.code, 1);
  assert.match(upgrade.stderr, /the new launcher exited \(code 2\) before it was ready/);
  const failed = launcher.lines.find((line) => line.pid === launcher.pid && line.msg === 'handover failed; this launcher keeps serving');
  assert.ok(failed, 'the old launcher logs that it keeps serving');
  assert.match(String(failed.reason), /exited \(code 2\)/);
  assert.ok(isAlive(launcher.pid));
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(launcher.pid), 'the pid file still names the old launcher');
  assertNothingFailed(loads);
  const status = await run(process.execPath, [CTL, 'status', '--json', '--control-socket', controlSocket]);
  assert.equal((JSON.parse(status.stdout) as { launcher: { pid: number; state: string } }).launcher.pid, launcher.pid);
});
