/**
 * A manager whose initHost throws on every start, while clients keep connecting: each slot is
 * restarted a bounded number of times with growing backoff, then the launcher exits 1 with a
 * message naming the slot and the cause, and the number of forks stays bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHttpLoad, summary } from '../../helpers/fault-load.js';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';

const WORKERS = 2;
const MAX_FAILURES = 4;

test('a manager that throws in initHost on every start: bounded restarts with backoff, exit 1, no fork storm', {
  timeout: 60_000,
}, async (t) => {
  const launcher = await startLauncher(
    [
      '--workers',
      String(WORKERS),
      '--manager',
      fixturePath('managers/throws-in-init-host.js'),
      '--restart-max-failures',
      String(MAX_FAILURES),
      '--restart-backoff-initial',
      '0.2',
      '--graceful-shutdown-timeout',
      '5',
    ],
    { waitReady: false },
  );
  t.after(() => launcher.kill());
  const started = performance.now();
  const listening = await launcher.waitForLine((line) => line.msg === 'launcher listening', 10_000, '"launcher listening"');
  // Clients keep coming while no worker can start: they wait on the held socket and fail when the launcher gives up.
  const load = startHttpLoad('http while every start fails', Number(listening.port), [{ path: '/healthz' }], {
    concurrency: 2,
    maxMs: 30_000,
    timeoutMs: 10_000,
  });
  t.after(() => load.stop());

  const { code } = await launcher.exited;
  const elapsed = performance.now() - started;
  const tally = await load.stop();
  const count = (msg: string): number => launcher.lines.filter((line) => line.msg === msg).length;
  const forks = count('worker forked') + count('spare worker assigned') + count('spare worker loaded and waiting');
  const delays = (slot: number): unknown[] =>
    launcher.lines.filter((line) => line.msg === 'restarting worker' && line.slot === slot).map((line) => line.delayMs);
  const giveUp = launcher.lines.find((line) => /consecutive starts; giving up/.test(line.msg));
  const startFailures = launcher.lines.filter((line) => line.msg === 'worker failed to start');
  console.log(summary(tally));
  console.log(
    `# exit ${code} after ${elapsed.toFixed(0)} ms; ${forks} worker processes started for ${WORKERS} slots; ${startFailures.length} 'worker failed to start' lines`,
  );
  console.log(`# backoff per slot (ms): ${[1, 2].map((slot) => `slot ${slot}: ${JSON.stringify(delays(slot))}`).join(', ')}`);
  console.log(`# ${giveUp?.msg}`);

  assert.equal(code, 1);
  assert.ok(giveUp, 'the launcher says why it gives up');
  assert.match(giveUp.msg, new RegExp(`worker slot \\d failed ${MAX_FAILURES} consecutive starts; giving up`));
  assert.ok(startFailures.length >= MAX_FAILURES, 'each failed start is logged');
  assert.ok(
    startFailures.every((line) => /the database is unreachable/.test(JSON.stringify(line.error))),
    'with the cause from initHost',
  );
  // No fork storm: at most MAX_FAILURES processes per slot, however long the clients keep trying.
  assert.ok(forks >= MAX_FAILURES && forks <= WORKERS * MAX_FAILURES, `forks: ${forks}`);
  // Backoff: at once, then 200 ms, doubling, for the slot that gave up.
  const slot = Number(giveUp.slot);
  assert.deepEqual(delays(slot), [0, 200, 400]);
  assert.ok(elapsed < 30_000, `gave up after ${elapsed} ms`);
  assert.equal(tally.ok, 0, 'nothing answered without a worker');
  assert.ok(!launcher.lines.some((line) => line.msg === 'launcher ready'));
});
