import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from './fake-clock.js';
import { makeScheduler, recordingTask } from './scheduler-helpers.js';

test('a one-worker task runs only while this worker owns it', async (t) => {
  const clock = new FakeClock();
  const single = recordingTask('single', clock, { spacing: 10, runOn: 'one-worker' });
  const everywhere = recordingTask('everywhere', clock, { spacing: 10 });
  const scheduler = makeScheduler(clock, { tasks: [single, everywhere] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));

  await clock.advance(25);
  assert.deepEqual(single.runs, []);
  assert.deepEqual(everywhere.runs, [10, 20]);
  assert.deepEqual(
    scheduler.stats.map((row) => [row.name, row.owned]),
    [
      ['single', false],
      ['everywhere', true],
    ],
  );

  scheduler.setOwnedTasks(['single']);
  await clock.advance(0);
  // Overdue since 10 s: it runs at once on taking over, then stays on its grid.
  assert.deepEqual(single.runs, [25]);
  await clock.advance(10);
  assert.deepEqual(single.runs, [25, 30]);
  assert.equal(scheduler.stats[0]?.owned, true);

  scheduler.setOwnedTasks([]);
  await clock.advance(30);
  assert.deepEqual(single.runs, [25, 30]);
  assert.deepEqual(everywhere.runs, [10, 20, 30, 40, 50, 60]);
});

test('ownership given before start() applies from the first pass', async (t) => {
  const clock = new FakeClock();
  const single = recordingTask('single', clock, { spacing: 5, runOn: 'one-worker', runImmediately: true });
  const scheduler = makeScheduler(clock, { tasks: [single] });
  scheduler.setOwnedTasks(new Set(['single']));
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(5);
  assert.deepEqual(single.runs, [0, 5]);
});
