import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLoad } from '../../helpers/http.js';
import { startLauncher, waitForPidGone } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

test('kill -9 of a worker: a replacement serves, the other worker keeps answering', async (t) => {
  const launcher = await startLauncher(['--workers', '2']);
  t.after(() => launcher.kill());
  const ready = launcher.lines.find((line) => line.msg === 'launcher ready')!;
  const [victim, survivor] = ready.pids as number[];
  // The launcher keeps one loaded spare (prefork_spare); measure the steady state, once it is there.
  await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting');

  const load = startLoad(launcher.port, '/healthz', { concurrency: 2, maxMs: 20_000 });
  const killedAt = performance.now();
  process.kill(victim!, 'SIGKILL');
  const replacement = await launcher.waitForLine(
    (line) => line.msg === 'worker ready' && line.workerPid !== victim && line.workerPid !== survivor,
    10_000,
    'replacement worker ready',
  );
  const replacementMs = performance.now() - killedAt;
  await waitForPidGone(victim!, 2000);
  // Let traffic flow to the new worker before stopping the load.
  await until('traffic on the replacement', () => load.report.pids.has(replacement.workerPid as number), {
    timeoutMs: 5000,
    intervalMs: 20,
  });
  const report = await load.stop();
  t.diagnostic(`replacement ready ${replacementMs.toFixed(1)} ms after kill -9; ${report.ok} ok, ${report.failed} failed`);
  console.log(`# worker replacement time after kill -9: ${replacementMs.toFixed(1)} ms`);

  assert.ok(report.pids.has(replacement.workerPid as number), 'the replacement answers requests');
  assert.ok(report.pids.has(survivor!), 'the surviving worker kept answering');
  assert.ok(report.ok > 0);
  // Only requests in flight on the killed worker may fail: with 2 loops, at most a handful.
  assert.ok(report.failed <= 2, `failed requests: ${report.failed} (${report.errors.join('; ')})`);
  const died = launcher.lines.find((line) => line.msg === 'worker died unexpectedly' && line.workerPid === victim);
  assert.equal(died?.signal, 'SIGKILL');
  assert.ok(
    launcher.lines.some((line) => line.msg === 'spare worker assigned' && line.workerPid === replacement.workerPid),
    'the spare took the slot',
  );
});

test('without a spare (--no-prefork-spare) a killed worker is replaced by a fresh fork', async (t) => {
  const launcher = await startLauncher(['--workers', '1', '--no-prefork-spare']);
  t.after(() => launcher.kill());
  const [victim] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  const killedAt = performance.now();
  process.kill(victim!, 'SIGKILL');
  const replacement = await launcher.waitForLine((line) => line.msg === 'worker ready' && line.workerPid !== victim, 10_000, 'replacement');
  console.log(`# cold replacement (no spare) after kill -9: ${(performance.now() - killedAt).toFixed(1)} ms`);
  assert.ok(launcher.lines.some((line) => line.msg === 'worker forked' && line.workerPid === replacement.workerPid));
  assert.ok(!launcher.lines.some((line) => /spare/.test(line.msg)));
});
