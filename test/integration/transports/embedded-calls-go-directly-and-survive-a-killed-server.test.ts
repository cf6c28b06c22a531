// Issue 29, 1: embedded calls go straight between workers over their private peer sockets
// (docs/embedded-direct-path.md). With real processes: each worker's socket is 0600 in the
// private runtime folder; a worker killed (-9) while it holds calls it has not started gives
// them back (the caller publishes them again through the router) and they are served by a
// living worker, the one it had started fails at its timeout (at-most-once), no call runs twice,
// and the launcher removes the dead worker's socket.
import assert from 'node:assert/strict';
import { existsSync, lstatSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';
import { userProject } from '../../helpers/user-program.js';
import { until } from '../../helpers/wait.js';

type Outcome = { ok: true; pid: number } | { ok: false; error: string };

test('a worker killed holding unstarted direct calls: they are served by a living worker, the started one times out, its socket is removed', {
  timeout: 90_000,
}, async (t) => {
  const user = userProject(t);
  const launcher = await startLauncher(
    [
      '--workers',
      '2',
      '--no-prefork-spare',
      '--app',
      fixturePath('apps/direct-calls-app.js'),
      '--manager',
      fixturePath('managers/holding-manager.js'),
      '--binary',
      'demo', // a DemoManager subclass, called on the demo's topic
      '--executor-thread-pool-size',
      '1', // one call at a time per worker: the others wait, unstarted
      '--no-access-log',
    ],
    { env: user.env },
  );
  t.after(() => launcher.kill());
  // The private runtime folder: the launcher's sockets and the workers' peer sockets.
  const folder = join(user.runtimeDir, `oslo-node-${process.getuid!()}`);
  const pids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  assert.equal(pids.length, 2);
  for (const pid of pids) {
    const stats = lstatSync(join(folder, `peer-${pid}.sock`));
    assert.ok(stats.isSocket());
    assert.equal(stats.mode & 0o777, 0o600, `peer-${pid}.sock is private`);
  }

  // One connection, so /start and /results reach the same worker: the caller.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const started = await httpGet(launcher.port, '/start?n=6&s=1&timeout=8', { agent });
  assert.equal(started.status, 200, started.body);
  const caller = (JSON.parse(started.body) as { caller: number }).caller;
  const other = pids.find((pid) => pid !== caller)!;
  // Round-robin: three calls to each worker; the other runs one and holds two unstarted.
  await launcher.waitForLine((line) => line.msg === 'hold started' && line.pid === other, 10_000, 'a call running in the other worker');
  process.kill(other, 'SIGKILL');

  const results = JSON.parse((await httpGet(launcher.port, '/results', { agent, timeoutMs: 30_000 })).body) as Outcome[];
  const failed = results.filter((result) => !result.ok);
  assert.equal(failed.length, 1, `only the call the killed worker had started fails: ${JSON.stringify(results)}`);
  assert.match((failed[0] as { error: string }).error, /MessagingTimeout/);
  for (const result of results) if (result.ok) assert.notEqual(result.pid, other, 'served by a living worker');
  const ids = launcher.lines
    .filter((line) => line.msg === 'hold started')
    .map((line) => line.id as number)
    .sort((a, b) => a - b);
  assert.deepEqual(ids, [0, 1, 2, 3, 4, 5], 'every call started once, none twice');
  await until("the killed worker's peer socket removed", () => !existsSync(join(folder, `peer-${other}.sock`)));
});
