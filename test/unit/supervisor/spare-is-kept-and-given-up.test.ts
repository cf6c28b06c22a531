import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { RestartPolicy } from '../../../src/supervisor/restart-policy.js';
import { type Spare, SpareKeeper } from '../../../src/supervisor/spare.js';
import { fakeHandle } from './fakes.js';

function keeper(enabled = true, maxFailures = 3) {
  const forked: Spare[] = [];
  const scheduled: Array<{ fn: () => void; delayMs: number }> = [];
  const spares = new SpareKeeper({
    enabled,
    logger: silentLogger(),
    policy: new RestartPolicy({ initialDelayMs: 100, maxDelayMs: 10_000, maxFailures, resetAfterMs: 60_000 }),
    fork: () => {
      const spare = { handle: fakeHandle(0), activate: () => {} };
      forked.push(spare);
      return spare;
    },
    schedule: (fn, delayMs) => scheduled.push({ fn, delayMs }),
  });
  return { spares, forked, scheduled };
}

test('one spare at a time; taking it leaves none until the next ensure()', () => {
  const { spares, forked } = keeper();
  spares.ensure();
  spares.ensure();
  assert.equal(forked.length, 1);
  assert.ok(spares.owns(forked[0]!.handle));
  assert.equal(spares.take(), forked[0]);
  assert.equal(spares.take(), undefined);
  spares.ensure();
  assert.equal(forked.length, 2);
});

test('prefork_spare off: no spare is ever forked', () => {
  const { spares, forked } = keeper(false);
  spares.ensure();
  assert.equal(forked.length, 0);
  assert.equal(spares.take(), undefined);
});

test('a spare that dies unused is replaced after at least a second, until the failure budget is spent', () => {
  const { spares, forked, scheduled } = keeper(true, 3);
  for (let death = 1; death <= 3; death++) {
    spares.ensure();
    spares.onExit(forked.at(-1)!.handle, 1, null);
    if (death < 3) {
      assert.equal(scheduled.length, death);
      assert.ok(scheduled[death - 1]!.delayMs >= 1000);
      scheduled[death - 1]!.fn();
      assert.equal(forked.length, death + 1, 'the scheduled replacement forks');
    }
  }
  assert.equal(scheduled.length, 2, 'no replacement after giving up');
  const before = forked.length;
  spares.ensure();
  assert.equal(forked.length, before, 'the launcher runs without a spare');
});

test('discard() kills the spare as a requested stop and forgets it', () => {
  const { spares, forked } = keeper();
  spares.ensure();
  const handle = spares.discard() as ReturnType<typeof fakeHandle>;
  assert.equal(handle, forked[0]!.handle);
  assert.ok(handle.killed);
  assert.ok(handle.stopRequested);
  assert.equal(spares.take(), undefined);
  assert.equal(spares.discard(), undefined);
});
