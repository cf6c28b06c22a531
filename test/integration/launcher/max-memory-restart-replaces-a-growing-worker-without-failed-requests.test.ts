// Issue 16, part 3: max_memory_restart replaces a worker whose RSS stays above the limit, the
// new worker ready first, with no failed request under load.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { rssKiB, startHttpLoad, summary } from '../../helpers/fault-load.js';
import { delay, until } from '../../helpers/wait.js';
import { httpGet } from '../../helpers/http.js';
import { CTL, fixturePath, startLauncher } from '../../helpers/launcher.js';

const LIMIT_MIB = 110;

test('a worker that grows past max_memory_restart under load is replaced, new one first: 0 failed requests', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-memory-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { XDG_RUNTIME_DIR: dir };
  const launcher = await startLauncher(
    ['--workers', '1', '--app', fixturePath('apps/growing-app.js'), '--max-memory-restart', String(LIMIT_MIB), '--no-access-log'],
    { env },
  );
  t.after(() => launcher.kill());
  const [grower] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting', 20_000, 'the spare');
  const baseMiB = rssKiB(grower!) / 1024;
  assert.ok(baseMiB < LIMIT_MIB - 30, `the worker starts well under the limit (${baseMiB.toFixed(0)} MiB)`);

  const load = startHttpLoad('load while the worker grows', launcher.port, [{ path: '/' }], { concurrency: 4, maxMs: 40_000 });
  t.after(() => load.stop());
  // Grow in steps until the launcher decides; a request to /grow may reach the new worker too.
  const replacing = launcher.waitForLine((line) => /stayed above max_memory_restart/.test(line.msg), 30_000, 'the memory-limit warning');
  let decided = false;
  void replacing.then(
    () => (decided = true),
    () => undefined,
  );
  while (!decided && rssKiB(grower!) / 1024 < LIMIT_MIB + 20) {
    await httpGet(launcher.port, '/grow?mb=8');
    await delay(100); // grow in steps, so the launcher's sampling sees the RSS rise
  }
  const warning = await replacing;
  assert.equal(warning.workerPid, grower);
  assert.ok((warning.rssMiB as number) > LIMIT_MIB, `logged with the figure: ${String(warning.rssMiB)} MiB`);
  assert.equal(warning.limitMiB, LIMIT_MIB);
  const fresh = await launcher.waitForLine(
    (line) => line.msg === 'worker ready' && line.workerPid !== grower && line.slot === 1,
    20_000,
    'the replacement ready',
  );
  const exited = await launcher.waitForLine(
    (line) => line.msg === 'worker exited' && line.workerPid === grower,
    20_000,
    'the old worker drained',
  );
  assert.equal(exited.code, 0, 'drained and exited 0, not killed');
  assert.ok(launcher.lines.indexOf(fresh) < launcher.lines.indexOf(exited), 'the replacement was ready before the old worker left');
  await until('the new worker answers', () => load.tally.outcomes.some((outcome) => outcome.start > performance.now() - 500 && outcome.ok));
  const tally = await load.stop();
  t.diagnostic(`${summary(tally)}; replaced at ${String(warning.rssMiB)} MiB (limit ${LIMIT_MIB})`);
  assert.equal(tally.failed, 0, tally.errors.join('; '));

  const status = JSON.parse((await execa(process.execPath, [CTL, 'status', '--json'], { env })).stdout) as {
    workers: Array<{ slot: number; pid: number; restarts: number }>;
  };
  const slot1 = status.workers.find((row) => row.slot === 1)!;
  assert.equal(slot1.pid, fresh.workerPid);
  assert.equal(slot1.restarts, 1, 'counted in the slot restarts');
  assert.ok(!launcher.lines.some((line) => line.msg === 'worker died unexpectedly' || /failed/.test(line.msg)), 'never a failed start');
});
