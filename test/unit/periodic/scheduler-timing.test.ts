import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../../../src/periodic/clock.js';
import { FakeClock } from './fake-clock.js';
import { baseConfig, makeScheduler, recordingTask } from './scheduler-helpers.js';

test('a task with spacing S runs every S seconds, first one spacing after start', async (t) => {
  const clock = new FakeClock();
  const task = recordingTask('tick', clock, { spacing: 10 });
  const scheduler = makeScheduler(clock, { tasks: [task] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(35);
  assert.deepEqual(task.runs, [10, 20, 30]);
});

test('runImmediately runs at start, then on the grid', async (t) => {
  const clock = new FakeClock();
  const task = recordingTask('now', clock, { spacing: 10, runImmediately: true });
  const scheduler = makeScheduler(clock, { tasks: [task] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(25);
  assert.deepEqual(task.runs, [0, 10, 20]);
});

test('the fuzzy delay shifts the first run of non-immediate tasks only', async (t) => {
  const clock = new FakeClock();
  const late = recordingTask('late', clock, { spacing: 10 });
  const early = recordingTask('early', clock, { spacing: 10, runImmediately: true });
  // random() = 0.5 of a 60 s fuzzy delay: the grid of `late` starts at 30 s. Jitter: int(10 * 0.5 / 20) = 0.
  const scheduler = makeScheduler(clock, { tasks: [late, early], random: () => 0.5, config: { ...baseConfig, periodic_fuzzy_delay: 60 } });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(55);
  assert.deepEqual(early.runs, [0, 10, 20, 30, 40, 50]);
  assert.deepEqual(late.runs, [40, 50]);
});

test('the scheduler never sleeps longer than periodic_interval_max', async (t) => {
  const clock = new FakeClock();
  const task = recordingTask('rare', clock, { spacing: 100 });
  const scheduler = makeScheduler(clock, { tasks: [task], config: { ...baseConfig, periodic_interval_max: 7 } });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  assert.equal(clock.nextTimerIn(), 7);
  await clock.advance(7);
  assert.equal(clock.nextTimerIn(), 7);
  await clock.advance(100);
  assert.deepEqual(task.runs, [100]);
});

test('the scheduler sleeps until the next task is due, not a fixed tick', async (t) => {
  const clock = new FakeClock();
  const scheduler = makeScheduler(clock, { tasks: [recordingTask('a', clock, { spacing: 4 }), recordingTask('b', clock, { spacing: 9 })] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  assert.equal(clock.nextTimerIn(), 4);
  await clock.advance(4);
  assert.equal(clock.nextTimerIn(), 4);
  await clock.advance(4);
  assert.equal(clock.nextTimerIn(), 1);
});

test('runs stay on the grid: a slow task does not drift and missed periods are not replayed', async (t) => {
  const clock = new FakeClock();
  const slow = recordingTask('slow', clock, { spacing: 10, run: ({ signal }) => sleep(clock, 3000, signal) });
  const scheduler = makeScheduler(clock, { tasks: [slow] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(31);
  assert.deepEqual(slow.runs, [10, 20, 30]);

  // The event loop is blocked for 45 s: the overdue timer fires late, one run, back on the grid.
  const clock2 = new FakeClock();
  const stall = recordingTask('stall', clock2, { spacing: 10 });
  const other = makeScheduler(clock2, { tasks: [stall] });
  other.start();
  t.after(() => other.stop({ timeoutMs: 1000 }));
  clock2.jump(45);
  await clock2.advance(0);
  assert.deepEqual(stall.runs, [45]);
  assert.equal(clock2.nextTimerIn(), 5);
});

test('the boundary jitter is whole seconds, up to 5 % of the spacing', async (t) => {
  const clock = new FakeClock();
  const task = recordingTask('jittery', clock, { spacing: 100 });
  // random() = 0.99: jitter int(100 * 0.99 / 20) = 4 s after each boundary.
  const scheduler = makeScheduler(clock, { tasks: [task], random: () => 0.99, config: { ...baseConfig, periodic_interval_max: 1000 } });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(400);
  assert.deepEqual(task.runs, [100, 204, 308]);
});

test('disabled tasks never run: spacing <= 0, enabled false, periodic_enable false', async (t) => {
  const clock = new FakeClock();
  const zero = recordingTask('zero', clock, { spacing: 0, runImmediately: true });
  const negative = recordingTask('negative', clock, { spacing: -5, runImmediately: true });
  const off = recordingTask('off', clock, { spacing: 1, enabled: false, runImmediately: true });
  const on = recordingTask('on', clock, { spacing: 1, runImmediately: true });
  const scheduler = makeScheduler(clock, { tasks: [zero, negative, off, on] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(3);
  assert.deepEqual([zero.runs, negative.runs, off.runs], [[], [], []]);
  assert.deepEqual(on.runs, [0, 1, 2, 3]);
  assert.deepEqual(
    scheduler.stats.map((row) => [row.name, row.enabled]),
    [
      ['zero', false],
      ['negative', false],
      ['off', false],
      ['on', true],
    ],
  );

  const clock2 = new FakeClock();
  const task = recordingTask('any', clock2, { spacing: 1, runImmediately: true });
  const disabled = makeScheduler(clock2, { tasks: [task], config: { ...baseConfig, periodic_enable: false } });
  disabled.start();
  t.after(() => disabled.stop({ timeoutMs: 1000 }));
  await clock2.advance(5);
  assert.deepEqual(task.runs, []);
  assert.equal(clock2.nextTimerIn(), undefined);
});

test('addTask while running schedules the new task from now (oslo add_periodic_task)', async (t) => {
  const clock = new FakeClock();
  const scheduler = makeScheduler(clock, { tasks: [recordingTask('first', clock, { spacing: 50 })] });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(5);
  const added = recordingTask('added', clock, { spacing: 3 });
  scheduler.addTask(added);
  await clock.advance(7);
  assert.deepEqual(added.runs, [8, 11]);
  assert.throws(() => scheduler.addTask(recordingTask('added', clock)), { code: 'ERR_PERIODIC_TASK_INVALID' });
});

test('stats report the schedule of each task for /v1/tasks', async (t) => {
  const clock = new FakeClock();
  const scheduler = makeScheduler(clock, { tasks: [recordingTask('tick', clock, { spacing: 10, pool: 'digest' })] });
  assert.equal(scheduler.stats[0]?.nextRunAt, null, 'nothing is planned before start()');
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 1000 }));
  await clock.advance(10);
  assert.deepEqual(scheduler.stats, [
    {
      name: 'tick',
      spacing: 10,
      runOn: 'every-worker',
      pool: 'digest',
      enabled: true,
      lastRunAt: new Date(clock.start + 10_000).toISOString(),
      lastDurationMs: 0,
      nextRunAt: new Date(clock.start + 20_000).toISOString(),
      runs: 1,
      failures: 0,
      skippedOverlaps: 0,
      running: false,
      owned: true,
    },
  ]);
});
