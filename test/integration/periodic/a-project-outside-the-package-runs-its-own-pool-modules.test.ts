/**
 * Issue 25, part 1: a user's project, outside this package's dist/, names its own pool modules:
 * its periodic task by a URL (`new URL('./tasks/checksum.js', import.meta.url)`), its RPC
 * methods by the URL and by a bare name found in `--pool-directory` (relative to the working
 * directory), and its HTTP app through `context.service.pool`. All run in pool threads.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { execa } from 'execa';
import { httpGet } from '../../helpers/http.js';
import { RPC_CLI, startLauncher } from '../../helpers/launcher.js';
import { userProject } from '../../helpers/user-project.js';

const CHECKSUM = `import { isMainThread } from 'node:worker_threads';
import { createHash } from 'node:crypto';
export default function checksum({ text }) {
  return { sha256: createHash('sha256').update(text).digest('hex'), inThread: !isMainThread };
}
`;

const MANAGER = `import { Manager, registerPeriodicTask } from 'oslo-node';
const checksum = new URL('../tasks/checksum.js', import.meta.url);
export default class Inventory extends Manager {
  constructor(context) {
    super(context);
    registerPeriodicTask(this, '_nightly', { spacingSeconds: 1, runImmediately: true, pool: checksum });
  }
  async _nightly({ offload }) {
    const result = await offload({ text: 'periodic' });
    this.context.logger.info({ result }, 'periodic checksum done');
  }
  checksum(_ctx, { text }) {
    return this.context.pool.run(checksum, { text });
  }
  checksumByName(_ctx, { text }) {
    return this.context.pool.run('checksum', { text });
  }
}
`;

const APP = `const checksum = new URL('./tasks/checksum.js', import.meta.url);
export default function inventoryApp({ service }) {
  return async (req, res) => {
    const result = await service.pool.run(checksum, { text: 'http' });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(result));
  };
}
`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

test("a project's manager (periodic task and RPC methods) and app offload to pool modules of the project", async (t) => {
  const project = userProject(t, { 'tasks/checksum.js': CHECKSUM, 'lib/manager.mjs': MANAGER, 'app.mjs': APP });
  const socket = project.path('rpc.sock');
  const launcher = await startLauncher(
    // `lib/manager.mjs` without `./`: a file under the working directory, as `--app` names one.
    [
      '--workers',
      '1',
      '--binary',
      'inventory',
      '--manager',
      'lib/manager.mjs',
      '--app',
      './app.mjs',
      '--pool-directory',
      'tasks',
      '--embedded-socket',
      socket,
    ],
    { cwd: project.dir },
  );
  t.after(() => launcher.kill());

  const periodic = await launcher.waitForLine((line) => line.msg === 'periodic checksum done', 20_000, 'the periodic task offloaded');
  assert.deepEqual(periodic.result, { sha256: sha256('periodic'), inThread: true });

  const call = async (method: string, text: string): Promise<unknown> => {
    const result = await execa(
      process.execPath,
      [RPC_CLI, 'call', 'inventory', method, JSON.stringify({ text }), '--embedded-socket', socket],
      { reject: false, timeout: 15_000 },
    );
    assert.equal(result.exitCode, 0, result.stderr);
    return JSON.parse(result.stdout) as unknown;
  };
  assert.deepEqual(await call('checksum', 'by url'), { sha256: sha256('by url'), inThread: true });
  assert.deepEqual(await call('checksumByName', 'by name'), { sha256: sha256('by name'), inThread: true });

  const http = await httpGet(launcher.port, '/');
  assert.equal(http.status, 200, http.body);
  assert.deepEqual(JSON.parse(http.body), { sha256: sha256('http'), inThread: true });
});

test('a method naming a pool module that does not exist gets an error naming it; the worker keeps serving', async (t) => {
  const project = userProject(t, {
    'manager.mjs': `import { Manager } from 'oslo-node';
export default class Lost extends Manager {
  lost() { return this.context.pool.run(new URL('./tasks/gone.js', import.meta.url), {}); }
  ping() { return 'pong'; }
}
`,
  });
  const socket = project.path('rpc.sock');
  const launcher = await startLauncher([
    '--workers',
    '1',
    '--binary',
    'lost',
    '--manager',
    project.path('manager.mjs'),
    '--embedded-socket',
    socket,
  ]);
  t.after(() => launcher.kill());
  const lost = await execa(process.execPath, [RPC_CLI, 'call', 'lost', 'lost', '--embedded-socket', socket], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(lost.exitCode, 1);
  assert.ok(lost.stderr.includes(`module ${project.path('tasks/gone.js')} does not exist`), lost.stderr);
  const ping = await execa(process.execPath, [RPC_CLI, 'call', 'lost', 'ping', '--embedded-socket', socket], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(ping.stdout.trim(), '"pong"', ping.stderr);
});
