/**
 * `launch()` (issue 15, item 10): the same supervisor as `node dist/launcher.js`, started from
 * code in this very process (it becomes the cluster primary): workers fork and serve the given
 * manager and app, the handle lists them, reloads them and stops them, and the socket goes away.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { launch } from '../../../src/index.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { until } from '../../helpers/wait.js';
import { httpGet } from '../../helpers/http.js';
import { fixturePath, isAlive } from '../../helpers/launcher.js';

test('launch(): workers serve the manager and app, reload() replaces them, stop() ends with 0', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-launch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const launcher = await launch({
    config: {
      workers: 2,
      host: '127.0.0.1',
      port: 0,
      embedded_socket: join(dir, 'rpc.sock'),
      log_level: 'fatal',
      graceful_shutdown_timeout: 10,
    },
    manager: fixturePath('managers/recording-manager.js'),
    app: fixturePath('apps/rpc-app.js'),
    logger: silentLogger(),
  });
  t.after(() => launcher.stop());
  assert.ok(launcher.port > 0);
  await launcher.ready;
  assert.equal(launcher.state, 'running');
  const first = launcher.workers();
  assert.deepEqual(
    first.map((worker) => worker.slot),
    [1, 2],
  );
  assert.ok(first.every((worker) => worker.state === 'ready' && isAlive(worker.pid)));

  const answer = await httpGet(launcher.port, '/whoami');
  assert.equal(answer.status, 200, answer.body);
  const body = JSON.parse(answer.body) as { via: number; result: { pid: number } };
  assert.ok(
    first.some((worker) => worker.pid === body.via),
    'served by one of the listed workers',
  );
  assert.equal(typeof body.result.pid, 'number');

  launcher.reload();
  const before = new Set(first.map((worker) => worker.pid));
  await until(
    'every worker replaced',
    () =>
      launcher.state === 'running' &&
      launcher.workers().length === 2 &&
      launcher.workers().every((worker) => !before.has(worker.pid) && worker.state === 'ready'),
    { timeoutMs: 30_000 },
  );
  assert.equal((await httpGet(launcher.port, '/whoami')).status, 200);

  const pids = launcher.workers().map((worker) => worker.pid);
  assert.equal(await launcher.stop(), 0);
  assert.equal(await launcher.stop(), 0, 'a second stop() joins the first');
  assert.equal(launcher.state, 'stopped');
  assert.ok(pids.every((pid) => !isAlive(pid)));
  await assert.rejects(httpGet(launcher.port, '/whoami', { timeoutMs: 2000 }), /ECONNREFUSED/);
});

test('launch() rejects a bad option with a ConfigError naming it, before anything starts', async () => {
  await assert.rejects(launch({ config: { workers: 0 }, logger: silentLogger() }), {
    name: 'ConfigError',
    code: 'ERR_CONFIG_INVALID',
    option: 'workers',
  });
  await assert.rejects(launch({ config: { no_such_option: 1 } as never, logger: silentLogger() }), { code: 'ERR_CONFIG_USAGE' });
});
