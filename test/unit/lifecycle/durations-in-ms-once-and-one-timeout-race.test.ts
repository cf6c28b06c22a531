/**
 * The lifecycle contract's shared pieces (issue 15): seconds become milliseconds once, in
 * config/durations.ts's secondsToMs() and ms() over it (the AMQP settings included, whether the config or the transport URL sets the
 * option), and withTimeout is the one race against a timer, with 0 meaning no bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ms, secondsToMs } from '../../../src/config/durations.js';
import { loadConfig } from '../../../src/config/load.js';
import { TIMED_OUT, isBounded, withTimeout, type TimerClock } from '../../../src/lifecycle/with-timeout.js';
import { amqpSettings } from '../../../src/rpc/transports/amqp/settings.js';
import { parseTransportUrl } from '../../../src/rpc/transports/amqp/url.js';
import { effectiveDownTime } from '../../../src/servicegroup/host-reporter.js';

/** A clock whose timers fire only when the test says so. */
function manualClock(): TimerClock & { fire(): void; pending(): number } {
  const timers = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (fn) => (timers.set(++next, fn), next),
    clearTimeout: (handle) => void timers.delete(handle as number),
    fire: () => {
      for (const [id, fn] of [...timers]) timers.delete(id), fn();
    },
    pending: () => timers.size,
  };
}

test('ms() turns an option of seconds into milliseconds, fractions kept and 0 left 0', () => {
  assert.equal(ms({ graceful_shutdown_timeout: 60 }, 'graceful_shutdown_timeout'), 60_000);
  assert.equal(ms({ rabbit_retry_backoff: 0.25 }, 'rabbit_retry_backoff'), 250);
  assert.equal(ms({ graceful_shutdown_timeout: 0 }, 'graceful_shutdown_timeout'), 0);
  assert.deepEqual([secondsToMs(1.5), secondsToMs(0)], [1500, 0]);
});

test('the AMQP settings carry ms from the config and from the transport URL query alike', () => {
  const config = loadConfig(
    [],
    {},
    { overrides: { rabbit_retry_interval: 3, kombu_reconnect_delay: 0.5, rpc_response_timeout: 7 } },
  ).config;
  const fromConfig = amqpSettings(config, parseTransportUrl('rabbit://h/'));
  assert.deepEqual([fromConfig.retryIntervalMs, fromConfig.reconnectDelayMs, fromConfig.publishWaitMs], [3000, 500, 7000]);
  const fromUrl = amqpSettings(
    config,
    parseTransportUrl('rabbit://h/?rabbit_retry_interval=1.5&rabbit_interval_max=9&kombu_reconnect_splay=0.1'),
  );
  assert.deepEqual([fromUrl.retryIntervalMs, fromUrl.intervalMaxMs, fromUrl.reconnectSplayMs], [1500, 9000, 100]);
});

test("the service group's down time in ms: nova's 2.5 x report_interval, cut to whole seconds, when it would flap", () => {
  assert.equal(effectiveDownTime(3000, 3000), 7000, 'int(3 x 2.5) = 7 s');
  assert.equal(effectiveDownTime(10_000, 60_000), 60_000);
  assert.equal(effectiveDownTime(0, 5000), 5000, 'no reports on a timer: the configured down time');
});

test('withTimeout: the work wins, the bound wins, and 0, undefined or Infinity is no bound', async () => {
  const clock = manualClock();
  assert.equal(await withTimeout(Promise.resolve('done'), 1000, clock), 'done');
  assert.equal(clock.pending(), 0, 'the timer is cleared once the work settled');

  const slow = new Promise<string>(() => undefined);
  const raced = withTimeout(slow, 1000, clock);
  clock.fire();
  assert.equal(await raced, TIMED_OUT);

  await assert.rejects(withTimeout(Promise.reject(new Error('boom')), 1000, clock), /boom/);
  for (const unbounded of [0, undefined, Infinity]) {
    assert.equal(isBounded(unbounded), false);
    let settle!: (value: string) => void;
    const work = new Promise<string>((resolve) => (settle = resolve));
    const waiting = withTimeout(work, unbounded, clock);
    assert.equal(clock.pending(), 0, `no timer for ${unbounded}`);
    settle('late');
    assert.equal(await waiting, 'late');
  }
});
