import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from './fake-clock.js';
import { makeScheduler, recordingTask } from './scheduler-helpers.js';

test('a run still going when its task is due again is skipped and counted, not overlapped', async (t) => {
  const clock = new FakeClock();
  let release: () => void = () => undefined;
  let active = 0;
  let maxActive = 0;
  const task = recordingTask('long', clock, {
    spacing: 10,
    run: async ({ signal }) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => {
        release = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      active -= 1;
    },
  });
  const scheduler = makeScheduler(clock, { tasks: [task] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));

  await clock.advance(45);
  assert.deepEqual(task.runs, [10]);
  assert.equal(maxActive, 1);
  let [row] = scheduler.stats;
  assert.equal(row?.running, true);
  assert.equal(row?.skippedOverlaps, 3);

  release();
  await clock.advance(10);
  assert.deepEqual(task.runs, [10, 50]);
  [row] = scheduler.stats;
  assert.equal(row?.runs, 1);
  assert.equal(row?.lastDurationMs, 35_000);
  assert.equal(maxActive, 1);
});

test('a slow task does not hold back the others', async (t) => {
  const clock = new FakeClock();
  const stuck = recordingTask('stuck', clock, {
    spacing: 5,
    run: ({ signal }) => new Promise((resolve) => signal.addEventListener('abort', resolve)),
  });
  const quick = recordingTask('quick', clock, { spacing: 5 });
  const scheduler = makeScheduler(clock, { tasks: [stuck, quick] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(20);
  assert.deepEqual(stuck.runs, [5]);
  assert.deepEqual(quick.runs, [5, 10, 15, 20]);
});
