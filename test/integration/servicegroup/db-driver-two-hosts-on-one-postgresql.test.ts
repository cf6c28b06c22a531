/**
 * The `db` service-group driver with real launchers on a real PostgreSQL: two launchers as two
 * hosts see each other; a SIGKILLed launcher's host reads down after service_down_time by the
 * database's clock; a disable with its reason, made through the admin route, survives restarts
 * of both launchers; the heartbeat is one UPDATE per host per interval whatever the workers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { dbHostStarter, withDatabase } from '../../helpers/database.js';
import { httpGet } from '../../helpers/http.js';
import type { RunningLauncher } from '../../helpers/launcher.js';
import { delay, until } from '../../helpers/wait.js';

interface Row {
  host: string;
  state: string;
  disabled: boolean;
  disabledReason: string | null;
  workers: number | null;
}

const TOKEN = 'db-admin-token';

test('two launchers as two hosts on one PostgreSQL: up, SIGKILL to down, disable with reason survives restarts', async (t) => {
  const databaseUrl = await withDatabase(t);
  if (!databaseUrl) return;
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-sgdb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tag = randomBytes(4).toString('hex');
  const hostA = `host-a-${tag}`;
  const hostB = `host-b-${tag}`;
  const startHost = dbHostStarter(t, dir, {
    OSLO_NODE_SERVICEGROUP_DRIVER: 'db',
    OSLO_NODE_CONNECTION: databaseUrl,
    OSLO_NODE_ADMIN_TOKEN: TOKEN,
  });
  const start = (host: string, workers: number): Promise<RunningLauncher> => startHost(host, ['--workers', String(workers)]);
  const ours = async (launcher: RunningLauncher): Promise<Row[]> => {
    const response = await httpGet(launcher.port, '/v1/services');
    assert.equal(response.status, 200, response.body);
    return (JSON.parse(response.body) as { services: Row[] }).services.filter((row) => row.host.endsWith(tag));
  };
  /** The launcher's rows once `wanted` holds for them. */
  const rowsWhen = async (
    launcher: RunningLauncher,
    wanted: (rows: Row[]) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<Row[]> => {
    let rows: Row[] = [];
    return until(what, async () => wanted((rows = await ours(launcher))) && rows, { timeoutMs, intervalMs: 100 }).catch((error: Error) => {
      throw new Error(`${error.message}; rows: ${JSON.stringify(rows)}`);
    });
  };
  const stateOf = (rows: Row[], host: string) => rows.find((row) => row.host === host);

  let [a, b] = await Promise.all([start(hostA, 2), start(hostB, 1)]);
  const bothUp = (rows: Row[]) => stateOf(rows, hostA)?.state === 'up' && stateOf(rows, hostB)?.state === 'up';
  await rowsWhen(a, bothUp, 'A to see both hosts up');
  const seenByB = await rowsWhen(b, bothUp, 'B to see both hosts up');
  assert.equal(stateOf(seenByB, hostB)!.workers, 1, 'its own host with its live workers');
  assert.equal(stateOf(seenByB, hostA)!.workers, null, "another host's workers are not in nova's table");

  // One UPDATE per interval for the host, not one per worker: A has 2 workers.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  t.after(() => client.end());
  const count = async (host: string): Promise<number> =>
    (await client.query<{ report_count: number }>('SELECT report_count FROM services WHERE host = $1 AND deleted = 0', [host])).rows[0]!
      .report_count;
  const before = await count(hostA);
  const measuredFrom = performance.now();
  await delay(3000); // time is the subject: the reports of 3 s are counted
  const reports = (await count(hostA)) - before;
  const seconds = (performance.now() - measuredFrom) / 1000;
  assert.ok(
    reports >= seconds - 1.5 && reports <= seconds + 1,
    `${reports} reports in ${seconds.toFixed(1)} s at report_interval 1 with 2 workers`,
  );

  // Disable B through A's admin route.
  const disable = await httpGet(a.port, '/v1/services/disable', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ host: hostB, binary: 'demo', reason: 'maintenance' }),
  });
  assert.equal(disable.status, 200, disable.body);
  await rowsWhen(
    b,
    (rows) => stateOf(rows, hostB)?.disabled === true && stateOf(rows, hostB)?.disabledReason === 'maintenance',
    'B to read itself disabled',
  );
  const unknown = await httpGet(a.port, '/v1/services/disable', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ host: `nowhere-${tag}` }),
  });
  assert.equal(unknown.status, 404, unknown.body);

  // SIGKILL B's launcher: its host reads down once its last report is service_down_time old.
  const killedAt = performance.now();
  b.child.kill('SIGKILL');
  await b.exited;
  const downRows = await rowsWhen(a, (rows) => stateOf(rows, hostB)?.state === 'down', 'B down', 10_000);
  const downAfter = (performance.now() - killedAt) / 1000;
  assert.ok(
    downAfter >= 1.5 && downAfter <= 3 + 1.5,
    `B read down ${downAfter.toFixed(1)} s after SIGKILL (service_down_time 3, report_interval 1)`,
  );
  assert.equal(stateOf(downRows, hostA)!.state, 'up');

  // Restart both launchers: the disable and its reason are in the database, not in a process.
  a.child.kill('SIGTERM');
  assert.equal((await a.exited).code, 0);
  [a, b] = await Promise.all([start(hostA, 1), start(hostB, 1)]);
  const after = await rowsWhen(a, bothUp, 'both up after the restarts');
  assert.deepEqual([stateOf(after, hostB)!.disabled, stateOf(after, hostB)!.disabledReason], [true, 'maintenance']);
  assert.deepEqual([stateOf(after, hostA)!.disabled, stateOf(after, hostA)!.disabledReason], [false, null]);
  assert.ok((await count(hostA)) > before + reports, 'report_count carries on across restarts');

  const enable = await httpGet(b.port, '/v1/services/enable', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ host: hostB }),
  });
  assert.equal(enable.status, 200, enable.body);
  await rowsWhen(a, (rows) => stateOf(rows, hostB)?.disabled === false && stateOf(rows, hostB)?.disabledReason === null, 'B enabled');
  assert.ok(![...a.lines, ...b.lines].some((line) => JSON.stringify(line).includes(TOKEN)), 'the token never reaches the log');
});
