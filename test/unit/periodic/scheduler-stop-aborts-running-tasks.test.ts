import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PoolRunner } from '../../../src/periodic/scheduler.js';
import { FakeClock } from './fake-clock.js';
import { makeScheduler, recordingTask } from './scheduler-helpers.js';

test('stop aborts the signal of a running task, waits for it, and starts nothing new', async () => {
  const clock = new FakeClock();
  let sawAbort = false;
  const task = recordingTask('cooperative', clock, {
    spacing: 1,
    runImmediately: true,
    run: ({ signal }) =>
      new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          sawAbort = true;
          setImmediate(resolve);
        });
      }),
  });
  const scheduler = makeScheduler(clock, { tasks: [task] });
  scheduler.start();
  await clock.advance(0);
  assert.equal(scheduler.stats[0]?.running, true);

  const stopping = scheduler.stop({ timeoutMs: 5000 });
  assert.equal(scheduler.stop({ timeoutMs: 5000 }), stopping, 'a second stop() joins the first');
  assert.equal(scheduler.state, 'stopping');
  await stopping;
  assert.equal(sawAbort, true);
  assert.equal(scheduler.state, 'stopped');
  assert.equal(scheduler.stats[0]?.running, false);
  await clock.advance(10);
  assert.deepEqual(task.runs, [0]);
  assert.equal(clock.nextTimerIn(), undefined);
});

test('stop rejects with ERR_STOP_TIMEOUT when a task ignores the abort beyond the timeout', async () => {
  const clock = new FakeClock();
  const task = recordingTask('stubborn', clock, { spacing: 1, runImmediately: true, run: () => new Promise(() => undefined) });
  const scheduler = makeScheduler(clock, { tasks: [task] });
  scheduler.start();
  await clock.advance(0);
  const stopping = scheduler.stop({ timeoutMs: 2000 });
  const outcome = assert.rejects(stopping, { code: 'ERR_STOP_TIMEOUT', message: /stubborn/ });
  await clock.advance(2);
  await outcome;
  assert.equal(scheduler.state, 'stopped');
});

test('offload runs the task pool module with the stop signal; without a pool it is a coded error', async () => {
  const clock = new FakeClock();
  const calls: Array<{ task: string; input: unknown; signal: AbortSignal | undefined }> = [];
  const pool: PoolRunner = {
    run: async <Result>(task: string, input: unknown, options?: { signal?: AbortSignal }) => {
      calls.push({ task, input, signal: options?.signal });
      return 'hashed' as Result;
    },
  };
  let result: unknown;
  const offloaded = recordingTask('digest', clock, {
    runImmediately: true,
    pool: 'digest',
    run: async ({ offload }) => (result = await offload({ mebibytes: 1 })),
  });
  const scheduler = makeScheduler(clock, { tasks: [offloaded], pool, raiseOnError: true });
  await scheduler.runOnce();
  assert.equal(result, 'hashed');
  assert.deepEqual(
    calls.map(({ task, input }) => [task, input]),
    [['digest', { mebibytes: 1 }]],
  );
  assert.equal(calls[0]?.signal?.aborted, false);
  await scheduler.stop({ timeoutMs: 1000 });
  assert.equal(calls[0]?.signal?.aborted, true);

  const noPool = recordingTask('no-pool', clock, { runImmediately: true, run: ({ offload }) => offload() });
  const bare = makeScheduler(clock, { tasks: [noPool] });
  await assert.rejects(bare.runOnce({ raiseOnError: true }), { code: 'ERR_PERIODIC_NO_POOL' });
});

test('stop before start resolves at once and start afterwards does nothing', async () => {
  const clock = new FakeClock();
  const task = recordingTask('never', clock, { spacing: 1, runImmediately: true });
  const scheduler = makeScheduler(clock, { tasks: [task] });
  await scheduler.stop({ timeoutMs: 1000 });
  scheduler.start();
  await clock.advance(3);
  assert.deepEqual(task.runs, []);
});

test('a run that rejects because of the stop abort is not counted as a failure', async () => {
  const clock = new FakeClock();
  const task = recordingTask('aborted', clock, {
    runImmediately: true,
    run: ({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
  });
  const scheduler = makeScheduler(clock, { tasks: [task] });
  scheduler.start();
  await clock.advance(0);
  await scheduler.stop({ timeoutMs: 1000 });
  const [row] = scheduler.stats;
  assert.deepEqual([row?.runs, row?.failures, row?.running], [1, 0, false]);
});
