/**
 * Issue 25, part 2: a manager, app or pool module that cannot be loaded is a start no restart
 * fixes. The worker says so over IPC before it exits; the launcher prints one line on stderr
 * naming the module and the reason, and exits 2 without a restart (an app whose factory throws
 * is still restarted under the restart policy: gives-up-on-a-crash-loop.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLauncher, type RunningLauncher } from '../../helpers/launcher.js';
import { userProject } from '../../helpers/user-project.js';

/** Run the launcher (two workers) until it exits; what it printed and did. */
async function runToExit(
  t: { after(fn: () => void): void },
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stderr: string[]; launcher: RunningLauncher }> {
  const launcher = await startLauncher(['--workers', '2', ...args], { waitReady: false, cwd });
  t.after(() => launcher.kill());
  const { code } = await launcher.exited;
  return { code, stderr: launcher.rawLines, launcher };
}

/** Exit 2, exactly one stderr line matching `line`, and no restart of any worker. */
function assertExit2AtOnce(outcome: { code: number | null; stderr: string[]; launcher: RunningLauncher }, line: RegExp | string): void {
  assert.equal(outcome.code, 2, outcome.stderr.join('\n'));
  assert.equal(outcome.stderr.length, 1, `one line on stderr: ${JSON.stringify(outcome.stderr)}`);
  if (typeof line === 'string') assert.ok(outcome.stderr[0]!.includes(line), outcome.stderr[0]);
  else assert.match(outcome.stderr[0]!, line);
  const { lines } = outcome.launcher;
  assert.equal(lines.filter((entry) => entry.msg === 'restarting worker').length, 0, 'no restart');
  assert.ok(lines.filter((entry) => entry.msg === 'worker forked').length <= 2, 'one fork per slot, no more');
  assert.ok(!lines.some((entry) => entry.msg === 'launcher ready'));
}

const MANAGER_OK = `import { Manager } from 'oslo-node';
export default class Fine extends Manager {}
`;

test('a manager that throws at import: exit 2, one stderr line naming the module and the reason, no restart', async (t) => {
  const project = userProject(t, {
    'manager.mjs': `import 'oslo-node';\nthrow new Error('inventory database URL missing\\nset INVENTORY_DB');\n`,
  });
  const outcome = await runToExit(t, ['--manager', './manager.mjs'], project.dir);
  assertExit2AtOnce(outcome, `oslo-node: cannot load manager module ./manager.mjs: inventory database URL missing set INVENTORY_DB`);
});

test('a manager module without a Manager class as default export: exit 2 at once', async (t) => {
  const project = userProject(t, { 'manager.mjs': `export const Inventory = class {};\n` });
  const outcome = await runToExit(t, ['--manager', project.path('manager.mjs')], project.dir);
  assertExit2AtOnce(outcome, `cannot load manager module ${project.path('manager.mjs')}: it must default-export a class extending Manager`);
});

test('a manager package that does not resolve: exit 2 at once', async (t) => {
  const project = userProject(t, {});
  const outcome = await runToExit(t, ['--manager', 'no-such-inventory-package'], project.dir);
  assertExit2AtOnce(
    outcome,
    /^oslo-node: cannot load manager module no-such-inventory-package: Cannot find package 'no-such-inventory-package'/,
  );
});

test('an app that throws at import, or exports no function: exit 2 at once', async (t) => {
  const project = userProject(t, {
    'manager.mjs': MANAGER_OK,
    'throws.mjs': `throw new SyntaxError('bad route table');\n`,
    'empty.mjs': `export default 42;\n`,
  });
  assertExit2AtOnce(
    await runToExit(t, ['--manager', './manager.mjs', '--app', './throws.mjs'], project.dir),
    'oslo-node: cannot load app module ./throws.mjs: bad route table',
  );
  assertExit2AtOnce(
    await runToExit(t, ['--manager', './manager.mjs', '--app', './empty.mjs'], project.dir),
    'cannot load app module ./empty.mjs: its default export is a number',
  );
});

test("a periodic task's pool module that does not exist: exit 2 at start, naming the task and the path", async (t) => {
  const project = userProject(t, {
    'manager.mjs': `import { Manager, registerPeriodicTask } from 'oslo-node';
export default class Inventory extends Manager {
  constructor(context) {
    super(context);
    // Far from due: the check is at start, not at the first run.
    registerPeriodicTask(this, '_nightly', { name: 'nightly-checksum', spacingSeconds: 86400, pool: new URL('./tasks/checksum.js', import.meta.url) });
  }
  _nightly({ offload }) { return offload({}); }
}
`,
  });
  const outcome = await runToExit(t, ['--manager', './manager.mjs'], project.dir);
  assertExit2AtOnce(outcome, `oslo-node: periodic task nightly-checksum: pool module ${project.path('tasks/checksum.js')} does not exist`);
});

test('a bare pool name missing from --pool-directory: exit 2 naming the folder it looked in', async (t) => {
  const project = userProject(t, {
    'tasks/.keep': '',
    'manager.mjs': `import { Manager, registerPeriodicTask } from 'oslo-node';
export default class Inventory extends Manager {
  constructor(context) {
    super(context);
    registerPeriodicTask(this, '_nightly', { spacingSeconds: 86400, pool: 'checksum' });
  }
  _nightly({ offload }) { return offload({}); }
}
`,
  });
  const outcome = await runToExit(t, ['--manager', './manager.mjs', '--pool-directory', 'tasks'], project.dir);
  assertExit2AtOnce(outcome, `periodic task _nightly: pool module ${project.path('tasks/checksum.js')} does not exist`);
});

test('a --pool-directory that is not a folder stops startup with exit 2 before any fork', async (t) => {
  const project = userProject(t, { 'manager.mjs': MANAGER_OK });
  const outcome = await runToExit(t, ['--manager', './manager.mjs', '--pool-directory', 'taks'], project.dir);
  assert.equal(outcome.code, 2);
  assert.ok(
    outcome.stderr.some((line) => line.includes(`invalid value for option pool_directory: ${project.path('taks')} is not a folder`)),
    outcome.stderr.join('\n'),
  );
  assert.ok(!outcome.launcher.lines.some((entry) => entry.msg === 'worker forked'));
});
