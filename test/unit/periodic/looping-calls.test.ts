import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../../../src/periodic/clock.js';
import { BackOffLoopingCall } from '../../../src/periodic/backoff-looping-call.js';
import { DynamicLoopingCall } from '../../../src/periodic/dynamic-looping-call.js';
import { FixedIntervalLoopingCall } from '../../../src/periodic/fixed-interval-looping-call.js';
import { loopDone } from '../../../src/periodic/looping-call.js';
import { captureLogger, FakeClock } from './fake-clock.js';

test('fixed interval: start to start, a late run warns and the next starts at once, no overlap', async () => {
  const clock = new FakeClock();
  const { logger, lines } = captureLogger();
  const starts: number[] = [];
  const durations = [1, 4, 1, 1];
  const call = new FixedIntervalLoopingCall(
    async (signal) => {
      starts.push(clock.elapsed());
      await sleep(clock, (durations[starts.length - 1] ?? 1) * 1000, signal);
    },
    { intervalMs: 3000, clock, logger, name: 'fixed' },
  ).start();
  await clock.advance(10);
  assert.deepEqual(starts, [0, 3, 7, 10]);
  assert.equal(lines.filter((line) => /outlasted interval by 1\.00 sec/.test(String(line.msg))).length, 1);
  await call.stop();
  assert.equal(call.state, 'stopped');
});

test('fixed interval: loopDone ends the loop with a value; stop is idempotent and awaitable', async () => {
  const clock = new FakeClock();
  let count = 0;
  const call = new FixedIntervalLoopingCall<string>(() => (++count === 3 ? loopDone('three') : undefined), {
    intervalMs: 1000,
    clock,
  }).start();
  await clock.advance(5);
  assert.deepEqual(await call.wait(), { reason: 'done', value: 'three' });
  await Promise.all([call.stop(), call.stop()]);
  assert.throws(() => call.start(), { code: 'ERR_LOOPING_CALL_STATE' });

  const forever = new FixedIntervalLoopingCall(() => undefined, { intervalMs: 1000, clock, initialDelayMs: 500 }).start();
  await clock.advance(2);
  await forever.stop();
  assert.deepEqual(await forever.wait(), { reason: 'stopped' });
});

test('fixed interval: an error ends the loop by default, or is logged and skipped with stopOnError false', async () => {
  const clock = new FakeClock();
  const failing = new FixedIntervalLoopingCall(
    () => {
      throw new Error('bad');
    },
    { intervalMs: 1000, clock },
  ).start();
  await clock.advance(0);
  await assert.rejects(failing.wait(), /bad/);

  let calls = 0;
  const tolerant = new FixedIntervalLoopingCall(
    () => {
      calls += 1;
      throw new Error('bad');
    },
    { intervalMs: 1000, clock, stopOnError: false },
  ).start();
  await clock.advance(3);
  assert.equal(calls, 4);
  await tolerant.stop();
});

test('dynamic: the function picks the next delay, capped at maxIntervalMs; undefined means the max', async () => {
  const clock = new FakeClock();
  const starts: number[] = [];
  const delays = [2000, 50_000, undefined, 1000];
  const call = new DynamicLoopingCall(
    () => {
      starts.push(clock.elapsed());
      return starts.length > delays.length ? loopDone() : delays[starts.length - 1];
    },
    { maxIntervalMs: 5000, clock },
  ).start();
  await clock.advance(20);
  assert.deepEqual(starts, [0, 2, 7, 12, 13]);
  assert.deepEqual(await call.wait(), { reason: 'done', value: undefined });

  const noMax = new DynamicLoopingCall(() => undefined, { clock }).start();
  await clock.advance(0);
  await assert.rejects(noMax.wait(), { code: 'ERR_LOOPING_CALL_NO_DELAY' });
});

test('backoff: failures grow the delay by 2 x jitter, success resets it, too long fails with a coded error', async () => {
  const clock = new FakeClock();
  // random() = 0.5 and 0.25: Box-Muller gives exactly the mean (cos(pi/2) = 0), so J = jitter.
  const uniform = [0.5, 0.25];
  let index = 0;
  const random = (): number => uniform[index++ % 2] ?? 0.5;
  const results = [false, false, false, true, false];
  const starts: number[] = [];
  const call = new BackOffLoopingCall(
    () => {
      starts.push(clock.elapsed());
      return starts.length > results.length ? loopDone('up') : (results[starts.length - 1] ?? true);
    },
    { startingIntervalMs: 1000, jitter: 1, random, clock },
  ).start();
  await clock.advance(60);
  // J = 1: failures sleep 2, 4, 8 s; success sleeps 1 s; the next failure 2 s again.
  assert.deepEqual(starts, [0, 2, 6, 14, 15, 17]);
  assert.deepEqual(await call.wait(), { reason: 'done', value: 'up' });

  const hopeless = new BackOffLoopingCall(() => false, { startingIntervalMs: 1000, jitter: 1, random, timeoutMs: 10_000, clock }).start();
  await clock.advance(60);
  // 2 + 4 = 6 s slept; the next 8 s would pass 10 s.
  await assert.rejects(hopeless.wait(), { code: 'ERR_LOOPING_CALL_TIMEOUT' });
});

test('backoff: stop wakes a sleeping loop at once', async () => {
  const clock = new FakeClock();
  const call = new BackOffLoopingCall(() => false, { startingIntervalMs: 60_000, clock }).start();
  await clock.advance(0);
  await call.stop();
  assert.deepEqual(await call.wait(), { reason: 'stopped' });
});
