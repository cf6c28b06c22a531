import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getPriority } from 'node:os';
import { threadId } from 'node:worker_threads';
import digest from '../../../pool-tasks/digest.js';
import { TaskPool } from '../../../src/periodic/pool.js';
import { lowerThreadPriority } from '../../../src/periodic/thread-priority.js';

const fixtures = new URL('./fixtures/', import.meta.url);

test('the digest task runs in a pool thread, created on first use, and matches the inline result', async (t) => {
  const pool = new TaskPool({ threads: 1 });
  t.after(() => pool.destroy());
  assert.equal(pool.state, 'idle');
  const result = await pool.run<{ mebibytes: number; digest: string; ms: number }>('digest', { mebibytes: 4, seed: 9 });
  assert.equal(pool.state, 'running');
  assert.equal(result.mebibytes, 4);
  assert.equal(result.digest, digest({ mebibytes: 4, seed: 9 }).digest);
  assert.equal(pool.stats.completed, 1);

  const spinPool = new TaskPool({ threads: 1, directory: fixtures });
  t.after(() => spinPool.destroy());
  const spun = await spinPool.run<{ threadId: number }>('spin', { ms: 1 });
  assert.notEqual(spun.threadId, threadId);
});

test('an error thrown in the thread reaches the caller with its message and stack', async (t) => {
  const pool = new TaskPool({ threads: 1, directory: fixtures });
  t.after(() => pool.destroy());
  await assert.rejects(pool.run('throw', { message: 'thread says no' }), (error: Error) => {
    assert.equal(error.name, 'TypeError');
    assert.equal(error.message, 'thread says no');
    assert.match(String(error.stack), /fixtures\/throw\.js/);
    return true;
  });
  assert.equal(pool.stats.failed, 1);
});

test('beyond maxQueue waiting runs, a run is refused with ERR_POOL_QUEUE_FULL instead of queued', async (t) => {
  const pool = new TaskPool({ threads: 1, maxQueue: 1, directory: fixtures });
  t.after(() => pool.destroy());
  const controller = new AbortController();
  const running = pool.run('spin', { ms: 10_000 }, { signal: controller.signal });
  const queued = pool.run('spin', { ms: 10_000 }, { signal: controller.signal });
  await assert.rejects(pool.run('spin', { ms: 1 }), { code: 'ERR_POOL_QUEUE_FULL', task: 'spin' });
  assert.equal(pool.stats.refused, 1);
  controller.abort();
  await assert.rejects(running, { code: 'ERR_POOL_ABORTED' });
  await assert.rejects(queued, { code: 'ERR_POOL_ABORTED' });
  // Room again once they are gone.
  assert.deepEqual(Object.keys(await pool.run('spin', { ms: 1 })).sort(), ['ms', 'threadId']);
});

test('a run longer than the task timeout is ended with ERR_POOL_TASK_TIMEOUT', async (t) => {
  const pool = new TaskPool({ threads: 1, taskTimeoutMs: 300, directory: fixtures });
  t.after(() => pool.destroy());
  const started = Date.now();
  await assert.rejects(pool.run('spin', { ms: 10_000 }), { code: 'ERR_POOL_TASK_TIMEOUT' });
  assert.ok(Date.now() - started < 5000, 'the thread was terminated, not waited for');
  assert.equal(pool.stats.timedOut, 1);
});

test('aborting the signal cancels a running run with ERR_POOL_ABORTED and its reason as cause', async (t) => {
  const pool = new TaskPool({ threads: 1, directory: fixtures });
  t.after(() => pool.destroy());
  const controller = new AbortController();
  const run = pool.run('spin', { ms: 10_000 }, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error('stop now')), 100); // while the 10 s run is under way
  await assert.rejects(run, (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_POOL_ABORTED');
    assert.equal((error.cause as Error).message, 'stop now');
    return true;
  });
});

test('stop lets a short run finish, terminates a long one after stopTimeoutMs, then refuses runs', async (t) => {
  const pool = new TaskPool({ threads: 2, stopTimeoutMs: 500, directory: fixtures });
  t.after(() => pool.destroy());
  const short = pool.run<{ ms: number }>('spin', { ms: 100 });
  const long = pool.run('spin', { ms: 20_000 });
  const longOutcome = assert.rejects(long, { code: 'ERR_POOL_ABORTED' });
  const started = Date.now();
  const closing = pool.stop();
  assert.equal(pool.stop(), closing, 'idempotent');
  await assert.rejects(pool.run('spin', { ms: 1 }), { code: 'ERR_CLOSED' });
  assert.deepEqual((await short).ms, 100);
  await closing;
  await longOutcome;
  assert.ok(Date.now() - started < 5000);
  assert.equal(pool.state, 'stopped');
  assert.equal(pool.stats.liveThreads, 0);
});

test("stop({ timeoutMs }) bounds this stop instead of the pool's stopTimeoutMs", async (t) => {
  const pool = new TaskPool({ threads: 1, stopTimeoutMs: 60_000, directory: fixtures });
  t.after(() => pool.destroy());
  const long = assert.rejects(pool.run('spin', { ms: 20_000 }), { code: 'ERR_POOL_ABORTED' });
  const started = Date.now();
  await pool.stop({ timeoutMs: 300 });
  await long;
  assert.ok(Date.now() - started < 5000, 'cut after 300 ms, not 60 s');
  assert.equal(pool.state, 'stopped');
});

test('a task name that is not a plain module name is refused', async (t) => {
  const pool = new TaskPool({ threads: 1 });
  t.after(() => pool.destroy());
  await assert.rejects(pool.run('../src/launcher', {}), { code: 'ERR_POOL_TASK_NAME' });
  assert.equal(pool.state, 'idle');
});

test('a pool thread can lower its own priority; the main thread is left alone', { skip: process.platform !== 'linux' }, async (t) => {
  const pool = new TaskPool({ threads: 1, directory: fixtures });
  t.after(() => pool.destroy());
  const before = getPriority(process.pid);
  assert.deepEqual(await pool.run('priority', {}), { applied: true, nice: 19 });
  assert.equal(lowerThreadPriority(), false);
  assert.equal(getPriority(process.pid), before);
});
