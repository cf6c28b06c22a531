/**
 * Issue 27, finding 5: a worker whose event loop stops (here `kill -STOP`, as a handler stuck in
 * a busy loop would) black-holed its share of the connections and grew the launcher's
 * descriptors (150 of 300 connections never answered, 175 fds held until SIGCONT). Now:
 * - a worker gets at most `handoff_max_unacked` unacknowledged connections, and none once the
 *   oldest waits `handoff_ack_timeout`: the other worker serves the rest at once;
 * - the liveness check (`worker_heartbeat_timeout`) declares it hung, logs what it last did,
 *   puts a new worker in its slot and kills it at the drain bound; the connections it was
 *   given and never acknowledged then go to the other workers: every client is answered.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { httpGet, startLoad } from '../../helpers/http.js';
import { startLauncher, waitForPidGone, type RunningLauncher } from '../../helpers/launcher.js';
import { startSampling } from '../../helpers/wait.js';

const MAX_UNACKED = 8;

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** `count` connections at once, each one GET /healthz with Connection: close; their latencies. */
async function burst(port: number, count: number): Promise<{ ok: number; failed: string[]; slowMs: number[] }> {
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      const start = performance.now();
      try {
        const result = await httpGet(port, '/healthz', { headers: { connection: 'close' }, timeoutMs: 30_000 });
        return { ok: result.status === 200, ms: performance.now() - start, error: `status ${result.status}` };
      } catch (error) {
        return { ok: false, ms: performance.now() - start, error: (error as Error).message };
      }
    }),
  );
  return {
    ok: results.filter((result) => result.ok).length,
    failed: results.filter((result) => !result.ok).map((result) => result.error),
    slowMs: results.filter((result) => result.ms > 1000).map((result) => Math.round(result.ms)),
  };
}

async function startTwoWorkers(extra: string[] = [], options: Parameters<typeof startLauncher>[1] = {}): Promise<RunningLauncher> {
  return startLauncher(
    [
      '--workers',
      '2',
      '--worker-heartbeat-timeout',
      '2',
      '--graceful-shutdown-timeout',
      '3',
      '--handoff-ack-timeout',
      '0.5',
      '--handoff-max-unacked',
      String(MAX_UNACKED),
      '--no-access-log',
      // Room for the whole burst in the accept queue: no SYN is dropped and retried a second later.
      '--backlog',
      '1024',
      ...extra,
    ],
    options,
  );
}

test('a stopped worker gets at most handoff_max_unacked connections, is replaced, and every client is answered', async (t) => {
  const launcher = await startTwoWorkers();
  t.after(() => launcher.kill());
  const [victim, survivor] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting', 20_000, 'the spare');
  const fdsBefore = openFds(launcher.pid);
  const fds = startSampling('launcher fds', () => openFds(launcher.pid), { intervalMs: 20 });
  t.after(() => fds.stop());

  process.kill(victim!, 'SIGSTOP');
  t.after(() => {
    try {
      process.kill(victim!, 'SIGCONT');
    } catch {
      // Killed by the launcher, as it should be.
    }
  });
  const load = startLoad(launcher.port, '/healthz', { concurrency: 4, maxMs: 30_000 });
  const stalled = launcher.waitForLine(
    (line) => line.workerPid === victim && /not acknowledged a connection within handoff_ack_timeout/.test(line.msg),
    10_000,
    'the handoff stall warning',
  );
  const wave = await burst(launcher.port, 300);
  await stalled;

  const hung = await launcher.waitForLine(
    (line) => line.workerPid === victim && /sent no heartbeat for/.test(line.msg),
    10_000,
    'the hung worker declared',
  );
  assert.equal(hung.level, 50, 'logged as an error');
  assert.ok((hung.silentMs as number) >= 2000, `silent for ${String(hung.silentMs)} ms`);
  const activity = hung.lastActivity as { httpRequests?: number; httpInFlight?: number; loopDelayMs?: number };
  assert.equal(typeof activity.httpRequests, 'number', `last activity logged: ${JSON.stringify(hung.lastActivity)}`);
  assert.ok((hung.unacknowledgedConnections as number) <= MAX_UNACKED, `unacknowledged ${String(hung.unacknowledgedConnections)}`);

  // Stopped and declared, not killed yet: the launcher holds what it handed over, nothing more.
  const fdsWhileHung = openFds(launcher.pid);
  const replacement = await launcher.waitForLine(
    (line) => line.msg === 'worker ready' && line.workerPid !== victim && line.workerPid !== survivor,
    10_000,
    'the replacement ready',
  );
  // Killed at the drain bound (3 s after the stop request), not before the replacement served.
  await waitForPidGone(victim!, 10_000);
  const exit = await launcher.waitForLine((line) => line.workerPid === victim && line.msg === 'worker exited', 5000, 'its exit');
  assert.equal(exit.signal, 'SIGKILL');

  const report = await load.stop();
  await fds.stop();
  t.diagnostic(
    `burst: ${wave.ok}/300 ok, ${wave.slowMs.length} slower than 1 s (${wave.slowMs.join(', ')} ms); steady load ${report.ok} ok, ` +
      `${report.failed} failed; launcher fds ${fdsBefore} before, ${fdsWhileHung} while hung, ${Math.max(...fds.samples.map((s) => s.value))} at most (the burst)`,
  );
  assert.equal(wave.ok, 300, `every connection answered (failures: ${wave.failed.slice(0, 5).join('; ')})`);
  assert.equal(report.failed, 0, `steady load failures: ${report.errors.join('; ')}`);
  // Only what the stopped worker was handed before the cap and the ack timeout waited for its kill.
  assert.ok(wave.slowMs.length <= MAX_UNACKED, `${wave.slowMs.length} connections waited more than 1 s`);
  assert.ok(report.pids.has(replacement.workerPid as number) || (await httpGet(launcher.port, '/healthz')).status === 200);
  assert.ok(fdsWhileHung <= fdsBefore + MAX_UNACKED + 10, `launcher fds: ${fdsBefore} before, ${fdsWhileHung} while the worker hung`);
});

test('under prlimit --nofile=400, 800 connections while a worker is stopped: all answered, /healthz never hangs', async (t) => {
  const launcher = await startTwoWorkers([], { wrap: ['prlimit', '--nofile=400:400', '--'] });
  t.after(() => launcher.kill());
  const [victim] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting', 20_000, 'the spare');
  process.kill(victim!, 'SIGSTOP');
  t.after(() => {
    try {
      process.kill(victim!, 'SIGCONT');
    } catch {
      // Killed by the launcher.
    }
  });
  // A probe loop that never stops asking: each must be answered; only those handed to the
  // stopped worker before the cap and the ack timeout wait for its kill.
  const probes: number[] = [];
  let probing = true;
  const probeLoop = (async () => {
    while (probing) {
      const start = performance.now();
      const result = await httpGet(launcher.port, '/healthz', { timeoutMs: 15_000 }).catch((error: Error) => error);
      probes.push(result instanceof Error ? Number.POSITIVE_INFINITY : performance.now() - start);
    }
  })();
  let ok = 0;
  const failures: string[] = [];
  for (let wave = 0; wave < 4; wave++) {
    const result = await burst(launcher.port, 200);
    ok += result.ok;
    failures.push(...result.failed);
  }
  await launcher.waitForLine((line) => line.workerPid === victim && line.msg === 'worker exited', 15_000, 'the stopped worker killed');
  probing = false;
  await probeLoop;
  const slow = probes.filter((ms) => ms > 1000);
  t.diagnostic(`${ok}/800 answered; ${probes.length} probes, ${slow.length} slower than 1 s (${slow.map(Math.round).join(', ')} ms)`);
  assert.equal(ok, 800, `every connection answered (failures: ${failures.slice(0, 5).join('; ')})`);
  assert.ok(probes.every(Number.isFinite), 'every /healthz probe answered');
  assert.ok(slow.length <= MAX_UNACKED, `${slow.length} probes waited more than 1 s`);
});

test('a hung worker that wakes within the drain bound serves what it was handed and exits 0', async (t) => {
  const launcher = await startLauncher([
    '--workers',
    '2',
    '--worker-heartbeat-timeout',
    '1',
    '--graceful-shutdown-timeout',
    '20',
    '--handoff-ack-timeout',
    '0.2',
    '--no-access-log',
  ]);
  t.after(() => launcher.kill());
  const [victim] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  process.kill(victim!, 'SIGSTOP');
  const wave = burst(launcher.port, 50);
  await launcher.waitForLine((line) => line.workerPid === victim && /sent no heartbeat for/.test(line.msg), 10_000, 'declared hung');
  await launcher.waitForLine((line) => line.msg === 'worker ready' && line.workerPid !== victim && line.slot === 1, 10_000, 'replaced');
  process.kill(victim!, 'SIGCONT');
  const exit = await launcher.waitForLine((line) => line.workerPid === victim && line.msg === 'worker exited', 20_000, 'its exit');
  const result = await wave;
  t.diagnostic(`${result.ok}/50 answered, ${result.slowMs.length} after the wake-up; exit ${String(exit.code)} ${String(exit.signal)}`);
  assert.equal(exit.code, 0, 'it drained and exited by itself');
  assert.equal(exit.signal, null);
  assert.equal(result.ok, 50, `every connection answered (failures: ${result.failed.slice(0, 5).join('; ')})`);
});
