/**
 * SIGKILL of the launcher in the middle of steady HTTP and RPC load: every worker is gone within
 * 2 s (they notice the closed IPC channel), and a new launcher on the same port starts cleanly
 * and serves the same load without a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { demoRpcRoutes, startHttpLoad, summary } from '../../helpers/fault-load.js';
import { until } from '../../helpers/wait.js';
import { startLauncher, waitForPidGone } from '../../helpers/launcher.js';

test('SIGKILL of the launcher under load: every worker gone within 2 s, the next launcher starts cleanly on the port', {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-faults-sigkill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ['--workers', '2', '--embedded-socket', join(dir, 'embedded.sock'), '--no-access-log'];
  const first = await startLauncher(args);
  t.after(() => first.kill());
  const pids = first.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  let port = first.port;
  const http = startHttpLoad('http across the kill', () => port, [{ path: '/healthz' }], {
    concurrency: 4,
    maxMs: 40_000,
    timeoutMs: 5000,
  });
  const rpc = startHttpLoad('rpc via the workers across the kill', () => port, demoRpcRoutes(), {
    concurrency: 2,
    maxMs: 40_000,
    timeoutMs: 5000,
  });
  t.after(() => Promise.all([http.stop(), rpc.stop()]));
  await until('steady traffic', () => http.tally.ok > 200 && rpc.tally.ok > 20, { timeoutMs: 10_000 });

  process.kill(first.pid, 'SIGKILL');
  const times = await Promise.all(pids.map((pid) => waitForPidGone(pid, 2000)));
  const spare = first.lines.find((line) => line.msg === 'spare worker loaded and waiting')?.workerPid as number | undefined;
  const spareGone = spare === undefined ? undefined : await waitForPidGone(spare, 2000);
  const beforeRestart = { http: { ...http.tally, outcomes: [] }, rpc: { ...rpc.tally, outcomes: [] } };

  const next = await startLauncher([...args, '--port', String(first.port)]);
  t.after(() => next.kill());
  assert.equal(next.port, first.port);
  port = next.port;
  const restartedAt = performance.now();
  await until(
    'traffic on the new launcher',
    () => http.tally.ok > beforeRestart.http.ok + 200 && rpc.tally.ok > beforeRestart.rpc.ok + 20,
    { timeoutMs: 10_000 },
  );
  await Promise.all([http.stop(), rpc.stop()]);

  console.log(
    `# workers gone ${times.map((ms) => ms.toFixed(1)).join(', ')} ms after the launcher's SIGKILL${spareGone === undefined ? '' : `, spare ${spareGone.toFixed(1)} ms`}`,
  );
  for (const tally of [http.tally, rpc.tally]) console.log(summary(tally));
  const lateFailures = [...http.tally.outcomes, ...rpc.tally.outcomes].filter((o) => !o.ok && o.start > restartedAt);
  console.log(`# failures among requests sent after the new launcher was ready: ${lateFailures.length}`);

  assert.deepEqual(lateFailures, [], 'the new launcher serves everything');
  assert.deepEqual(next.rawLines, [], 'the new launcher writes only JSON log lines');
  assert.ok(
    !next.lines.some((line) => line.level >= 40),
    `no warning from the new launcher: ${JSON.stringify(next.lines.filter((line) => line.level >= 40))}`,
  );
});
