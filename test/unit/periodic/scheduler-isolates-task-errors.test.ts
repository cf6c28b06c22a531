import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureLogger, FakeClock } from './fake-clock.js';
import { makeScheduler, recordingTask } from './scheduler-helpers.js';

test('a failing task logs its error with the task name and keeps its schedule', async (t) => {
  const clock = new FakeClock();
  const { logger, lines } = captureLogger();
  const failing = recordingTask('flaky', clock, {
    spacing: 10,
    run: () => {
      throw new Error('disk on fire');
    },
  });
  const healthy = recordingTask('healthy', clock, { spacing: 10 });
  const scheduler = makeScheduler(clock, { tasks: [failing, healthy], logger });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(30);

  assert.deepEqual(failing.runs, [10, 20, 30]);
  assert.deepEqual(healthy.runs, [10, 20, 30]);
  const errors = lines.filter((line) => line.level === 50);
  assert.equal(errors.length, 3);
  assert.equal(errors[0]?.task, 'flaky');
  assert.equal(errors[0]?.msg, 'Error during flaky');
  assert.match(String((errors[0]?.err as { stack?: string } | undefined)?.stack), /disk on fire/);
  const [flaky, ok] = scheduler.stats;
  assert.deepEqual([flaky?.runs, flaky?.failures, ok?.runs, ok?.failures], [3, 3, 3, 0]);
});

test('an async rejection is isolated the same way', async (t) => {
  const clock = new FakeClock();
  const failing = recordingTask('async-flaky', clock, {
    spacing: 1,
    runImmediately: true,
    run: async () => Promise.reject(new Error('nope')),
  });
  const scheduler = makeScheduler(clock, { tasks: [failing] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(2);
  assert.deepEqual(failing.runs, [0, 1, 2]);
  assert.equal(scheduler.stats[0]?.failures, 3);
});

test('runOnce with raiseOnError rejects with the task error (oslo raise_on_error)', async () => {
  const clock = new FakeClock();
  const boom = new Error('raised');
  const failing = recordingTask('raiser', clock, { runImmediately: true, run: () => Promise.reject(boom) });
  const scheduler = makeScheduler(clock, { tasks: [failing], raiseOnError: true });
  await assert.rejects(scheduler.runOnce(), (error) => error === boom);
  // Without it, the pass resolves with the time to the next run.
  await clock.advance(60);
  assert.equal(await scheduler.runOnce({ raiseOnError: false }), 60_000);
  assert.equal(scheduler.stats[0]?.failures, 2);
});
