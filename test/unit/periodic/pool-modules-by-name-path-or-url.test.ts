/**
 * Where a pool task module is (issue 25, part 1): a bare name in pool_directory, an absolute
 * path, a file URL as a string or a URL object; a missing module is an error naming who wanted
 * it and the path, found without creating a thread.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { collectPeriodicTasks, registerPeriodicTask } from '../../../src/periodic/periodic-task.js';
import { DEFAULT_POOL_DIRECTORY, resolvePoolDirectory, resolvePoolModule } from '../../../src/periodic/pool-module.js';
import { TaskPool } from '../../../src/periodic/pool.js';

/** A temp folder with tasks/double.js; removed after the test. */
function project(t: { after(fn: () => void): void }): { dir: string; tasks: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-pool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tasks = join(dir, 'tasks');
  mkdirSync(tasks);
  const file = join(tasks, 'double.js');
  writeFileSync(file, 'export default function double(input) { return input.n * 2; }\n');
  return { dir, tasks, file };
}

test('a bare name is NAME.js in the pool directory; paths and file URLs are taken as they are', (t) => {
  const { tasks, file } = project(t);
  const directory = resolvePoolDirectory(tasks);
  assert.equal(resolvePoolModule('double', directory).href, pathToFileURL(file).href);
  assert.equal(resolvePoolModule(file, directory).href, pathToFileURL(file).href);
  assert.equal(resolvePoolModule(pathToFileURL(file).href, directory).href, pathToFileURL(file).href);
  assert.equal(resolvePoolModule(pathToFileURL(file), directory).href, pathToFileURL(file).href);
  // A name never escapes the folder; other references are refused, whatever the folder.
  for (const bad of [
    '../double',
    './double',
    'double.js',
    'tasks/double',
    'https://example.com/double.js',
    new URL('data:text/javascript,1'),
    '',
  ]) {
    assert.throws(() => resolvePoolModule(bad, directory), { code: 'ERR_POOL_TASK_NAME' }, String(bad));
  }
});

test('pool_directory is relative to the working directory; unset, it is the package pool-tasks/ (the demo digest)', (t) => {
  const { dir, file } = project(t);
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(() => process.chdir(cwd));
  assert.equal(resolvePoolModule('double', resolvePoolDirectory('tasks')).href, pathToFileURL(file).href);
  assert.equal(resolvePoolModule('double', resolvePoolDirectory('tasks/')).href, pathToFileURL(file).href);
  assert.equal(resolvePoolDirectory(undefined).href, DEFAULT_POOL_DIRECTORY.href);
  assert.match(DEFAULT_POOL_DIRECTORY.href, /\/dist\/pool-tasks\/$/);
  const pool = new TaskPool({ threads: 1 });
  assert.doesNotThrow(() => pool.check('digest'));
  // fromConfig reads pool_directory.
  const fromConfig = TaskPool.fromConfig({ pool_threads: 1, pool_max_queue: 1, pool_task_timeout: 0, workers: 1, pool_directory: 'tasks' });
  assert.equal(fromConfig.resolve('double').href, pathToFileURL(file).href);
});

test('check() names who wants a missing module and its path, and creates no thread', (t) => {
  const { tasks } = project(t);
  const pool = new TaskPool({ threads: 1, directory: tasks });
  t.after(() => pool.destroy());
  const missing = join(tasks, 'checksum.js');
  assert.throws(
    () => pool.check('checksum', 'periodic task nightly'),
    (error: Error & { code?: string; permanent?: boolean }) => {
      assert.equal(error.code, 'ERR_MODULE_LOAD');
      assert.equal(error.permanent, true, 'the launcher does not restart a worker for it');
      assert.equal(error.message, `periodic task nightly: pool module ${missing} does not exist`);
      return true;
    },
  );
  assert.throws(() => pool.check(pathToFileURL(missing)), {
    message: `pool task ${pathToFileURL(missing).href}: pool module ${missing} does not exist`,
  });
  assert.equal(pool.check('double').protocol, 'file:');
  assert.equal(pool.state, 'idle');
});

test('run() takes a name, a path, a file URL string or a URL; a missing module is refused before any thread', async (t) => {
  const { tasks, file } = project(t);
  const pool = new TaskPool({ threads: 1, directory: tasks });
  t.after(() => pool.destroy());
  await assert.rejects(pool.run(join(tasks, 'nope.js'), {}), {
    code: 'ERR_MODULE_LOAD',
    task: join(tasks, 'nope.js'),
    message: `pool task ${join(tasks, 'nope.js')}: module ${join(tasks, 'nope.js')} does not exist`,
  });
  assert.equal(pool.state, 'idle');
  assert.equal(await pool.run('double', { n: 1 }), 2);
  assert.equal(await pool.run(file, { n: 2 }), 4);
  assert.equal(await pool.run(pathToFileURL(file).href, { n: 3 }), 6);
  assert.equal(await pool.run(new URL('./double.js', pathToFileURL(`${tasks}/`)), { n: 4 }), 8);
  assert.equal(pool.stats.completed, 4);
});

test('a module without a default function is an ERR_MODULE_LOAD naming the task and the path', async (t) => {
  const { tasks } = project(t);
  const file = join(tasks, 'nothing.js');
  writeFileSync(file, 'export const answer = 42;\n');
  const pool = new TaskPool({ threads: 1, directory: tasks });
  t.after(() => pool.destroy());
  await assert.rejects(pool.run('nothing', {}), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_MODULE_LOAD');
    assert.match(error.message, new RegExp(`^pool task nothing: module ${file} has no default-exported function`));
    return true;
  });
});

test('a periodic task takes a URL object as pool and keeps its text', () => {
  class Tasks {
    sum(): void {}
  }
  const url = new URL('file:///srv/app/tasks/sum.js');
  registerPeriodicTask(Tasks, 'sum', { pool: url });
  url.pathname = '/elsewhere.js';
  assert.equal(collectPeriodicTasks(new Tasks())[0]!.pool, 'file:///srv/app/tasks/sum.js');
  registerPeriodicTask(Tasks, 'sum', { pool: '/srv/app/tasks/sum.js' });
  assert.equal(collectPeriodicTasks(new Tasks())[0]!.pool, '/srv/app/tasks/sum.js');
});
