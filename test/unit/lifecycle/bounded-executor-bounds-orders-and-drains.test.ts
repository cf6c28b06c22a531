/**
 * The executor bound the RPC server and the notification listener share: at most `size` running,
 * the rest in arrival order, skipped work holds no slot, a rejected run frees its slot and is
 * reported, drained() waits for running and waiting work alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedExecutor } from '../../../src/lifecycle/bounded-executor.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

test('at most size run at once, the rest start in arrival order as slots free', async () => {
  const started: number[] = [];
  const pending = new Map<number, ReturnType<typeof deferred>>();
  const executor = new BoundedExecutor<number>({
    size: 2,
    run: (n) => {
      started.push(n);
      const d = deferred();
      pending.set(n, d);
      return d.promise;
    },
    onError: () => assert.fail('nothing rejects here'),
  });
  for (const n of [1, 2, 3, 4]) executor.submit(n);
  assert.deepEqual(started, [1, 2]);
  assert.equal(executor.running, 2);
  assert.equal(executor.waiting, 2);
  pending.get(2)!.resolve();
  await pending.get(2)!.promise;
  await Promise.resolve();
  assert.deepEqual(started, [1, 2, 3]);
  let drained = false;
  const done = executor.drained().then(() => (drained = true));
  for (const n of [1, 3]) pending.get(n)!.resolve();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [1, 2, 3, 4]);
  assert.equal(drained, false, 'work 4 still runs');
  pending.get(4)!.resolve();
  await done;
  assert.equal(executor.running, 0);
});

test('skipped work holds no slot; a rejected run is reported and frees its slot', async () => {
  const errors: unknown[] = [];
  const failing = deferred();
  const executor = new BoundedExecutor<string>({
    size: 1,
    run: (work) => (work === 'skip' ? undefined : work === 'fail' ? failing.promise : Promise.resolve()),
    onError: (error) => errors.push(error),
  });
  executor.submit('skip');
  assert.equal(executor.running, 0, 'a skipped piece takes no slot');
  executor.submit('fail');
  executor.submit('after');
  assert.equal(executor.waiting, 1);
  failing.reject(new Error('boom'));
  await executor.drained();
  assert.equal((errors[0] as Error).message, 'boom');
  assert.equal(executor.waiting, 0);
});

test('drained() resolves at once when idle', async () => {
  const executor = new BoundedExecutor<never>({ size: 1, run: () => undefined, onError: () => undefined });
  await executor.drained();
});
