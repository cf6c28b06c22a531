import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartPolicy } from '../../../src/supervisor/restart-policy.js';

const options = { initialDelayMs: 100, maxDelayMs: 1000, maxFailures: 6, resetAfterMs: 10_000 };

test('first crash restarts at once, then the delay doubles up to the cap, then it gives up', () => {
  const policy = new RestartPolicy(options);
  const decisions = Array.from({ length: 6 }, () => policy.onUnexpectedExit(1, 0));
  assert.deepEqual(
    decisions.map((d) => (d.action === 'restart' ? d.delayMs : 'give-up')),
    [0, 100, 200, 400, 800, 'give-up'],
  );
});

test('the delay is capped at maxDelayMs', () => {
  const policy = new RestartPolicy({ ...options, maxFailures: 100 });
  let last = 0;
  for (let i = 0; i < 20; i++) {
    const decision = policy.onUnexpectedExit(1, 0);
    if (decision.action === 'restart') last = decision.delayMs;
  }
  assert.equal(last, 1000);
});

test('a worker that stayed up long enough resets its slot', () => {
  const policy = new RestartPolicy(options);
  policy.onUnexpectedExit(1, 0);
  policy.onUnexpectedExit(1, 0);
  const afterHealthyRun = policy.onUnexpectedExit(1, 60_000);
  assert.deepEqual(afterHealthyRun, { action: 'restart', delayMs: 0, failures: 1 });
});

test('slots are counted separately, and reset() forgets one', () => {
  const policy = new RestartPolicy(options);
  policy.onUnexpectedExit(1, 0);
  policy.onUnexpectedExit(1, 0);
  assert.equal(policy.onUnexpectedExit(2, 0).failures, 1);
  policy.reset(1);
  assert.equal(policy.onUnexpectedExit(1, 0).failures, 1);
});
