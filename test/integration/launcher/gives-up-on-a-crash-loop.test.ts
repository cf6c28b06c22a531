import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';

test('a worker that fails on every start: bounded restarts with backoff, then exit 1', async (t) => {
  const launcher = await startLauncher(
    ['--workers', '2', '--app', fixturePath('apps/crash-on-start.js'), '--restart-max-failures', '4', '--restart-backoff-initial', '0.05'],
    { waitReady: false },
  );
  t.after(() => launcher.kill());
  const started = performance.now();
  const { code } = await launcher.exited;
  const elapsed = performance.now() - started;

  assert.equal(code, 1);
  const forks = launcher.lines.filter((line) => line.msg === 'worker forked').length;
  // Each of the 2 slots is forked at most restart_max_failures times: no fork storm.
  assert.ok(forks >= 4 && forks <= 8, `forks: ${forks}`);
  assert.ok(launcher.lines.some((line) => /failed 4 consecutive starts; giving up/.test(line.msg)));
  assert.ok(!launcher.lines.some((line) => line.msg === 'launcher ready'));
  // Backoff 0 (first), 50, 100 ms between the 4 starts of a slot: well under the default timeouts.
  assert.ok(elapsed < 20_000, `took ${elapsed} ms`);
  // The launcher gives up when the first slot reaches the limit; the other may be a start behind.
  const delaysOf = (slot: number): unknown[] =>
    launcher.lines.filter((line) => line.msg === 'restarting worker' && line.slot === slot).map((line) => line.delayMs);
  const bySlot = [delaysOf(1), delaysOf(2)];
  assert.ok(
    bySlot.some((delays) => JSON.stringify(delays) === '[0,50,100]'),
    `one slot restarted after 0, 50, 100 ms: ${JSON.stringify(bySlot)}`,
  );
  for (const delays of bySlot)
    assert.deepEqual(delays, [0, 50, 100].slice(0, delays.length), `each slot's delays follow the backoff: ${JSON.stringify(bySlot)}`);
});
