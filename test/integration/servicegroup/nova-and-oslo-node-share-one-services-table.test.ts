/**
 * Issue 28: nova's own code (Debian's python3-nova, run from the trixie root) and our launchers
 * on one PostgreSQL `services` table. Our table is nova's (the catalog of the one our driver
 * creates equals the one `nova-manage db sync` creates, and a table nova made is used as it is);
 * a nova service heartbeats through nova's servicegroup db driver beside two of our launchers
 * (report_count growing, no swallowed error); nova sees ours up, disabled with the reason set
 * through our admin route, forced down by nova and up again, and down after a SIGKILL; ours sees
 * nova's up and then down once its heartbeats stop.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { silentLogger } from '../../../src/logging/logger.js';
import { DbDriver } from '../../../src/servicegroup/db-driver.js';
import { dbHostStarter, ownDatabase, withDatabase } from '../../helpers/database.js';
import { httpGet } from '../../helpers/http.js';
import type { RunningLauncher } from '../../helpers/launcher.js';
import { novaRoot, startNovaPeer, type NovaPeer } from '../../helpers/nova.js';

const TOKEN = 'nova-admin-token';
const BINARY = 'demo';

interface NovaRow {
  host: string;
  binary: string;
  topic: string;
  version: number;
  report_count: number;
  disabled: boolean;
  disabled_reason: string | null;
  forced_down: boolean;
  up: boolean;
}

interface OurRow {
  host: string;
  binary: string;
  state: string;
  serviceVersion: number | null;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
}

async function until<T>(read: () => Promise<T>, wanted: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (wanted(value)) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What PostgreSQL's catalog says of `services`: columns, constraints, indexes. */
async function catalog(databaseUrl: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default, ordinal_position
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'services' ORDER BY ordinal_position`,
    );
    const constraints = await client.query(
      `SELECT conname, contype, pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conrelid = to_regclass('services') ORDER BY conname`,
    );
    const indexes = await client.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'services' ORDER BY indexname`,
    );
    return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
  } finally {
    await client.end();
  }
}

test("our services table is nova's: the catalog equals nova-manage db sync's, and nova's table is used as it is", async (t) => {
  const clusterUrl = await withDatabase(t);
  if (!clusterUrl) return;
  const root = novaRoot(t);
  if (!root) return;
  const tag = randomBytes(4).toString('hex');
  const novaDb = await ownDatabase(t, clusterUrl, `nova_sync_${tag}`);
  const oursDb = await ownDatabase(t, clusterUrl, `ours_${tag}`);

  // nova's migrations make every table of its main database, `services` among them.
  const nova = await startNovaPeer(t, root, novaDb, { reportInterval: 1, serviceDownTime: 3 });
  await nova.send({ cmd: 'db_sync' });
  const novaCatalog = await catalog(novaDb);

  // Our driver makes it where it is missing.
  const report = {
    host: `ours-${tag}`,
    binary: 'demo',
    topic: 'demo',
    version: '1.3',
    serviceVersion: 7,
    pid: process.pid,
    workers: 1,
    pids: [process.pid],
    startedAt: new Date().toISOString(),
  };
  const ours = new DbDriver({ connection: oursDb, logger: silentLogger(), serviceDownTimeMs: 3000 });
  await ours.start();
  await ours.report(report);
  await ours.stop();
  assert.deepEqual(await catalog(oursDb), novaCatalog);

  // On nova's own table: used as it is (the catalog unchanged), our row with an integer version.
  const onNova = new DbDriver({ connection: novaDb, logger: silentLogger(), serviceDownTimeMs: 3000 });
  await onNova.start();
  await onNova.report(report);
  const listed = await onNova.services();
  await onNova.stop();
  assert.deepEqual(await catalog(novaDb), novaCatalog);
  assert.equal(listed.find((row) => row.host === report.host)?.serviceVersion, 7);
  const rows = ((await nova.send({ cmd: 'list' })).services as NovaRow[]).filter((row) => row.host === report.host);
  assert.deepEqual(
    rows.map((row) => [row.binary, row.version, row.up, row.disabled, row.forced_down]),
    [['demo', 7, true, false, false]],
  );
});

test('a nova service and two of our launchers on one services table see each other', async (t) => {
  const databaseUrl = await withDatabase(t);
  if (!databaseUrl) return;
  const root = novaRoot(t);
  if (!root) return;
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-nova-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tag = randomBytes(4).toString('hex');
  const hostA = `node-a-${tag}`;
  const hostB = `node-b-${tag}`;
  const novaHost = `nova-${tag}`;
  const startHost = dbHostStarter(t, dir, {
    OSLO_NODE_SERVICEGROUP_DRIVER: 'db',
    OSLO_NODE_CONNECTION: databaseUrl,
    OSLO_NODE_ADMIN_TOKEN: TOKEN,
  });
  const start = (host: string): Promise<RunningLauncher> => startHost(host, ['--workers', '1', '--binary', BINARY]);
  const [a, b] = await Promise.all([start(hostA), start(hostB)]);
  const nova: NovaPeer = await startNovaPeer(t, root, databaseUrl, { reportInterval: 1, serviceDownTime: 3 });

  const novaSees = async (): Promise<Map<string, NovaRow>> =>
    new Map(
      ((await nova.send({ cmd: 'list' })).services as NovaRow[]).filter((row) => row.host.endsWith(tag)).map((row) => [row.host, row]),
    );
  const weSee = async (launcher: RunningLauncher): Promise<Map<string, OurRow>> => {
    const response = await httpGet(launcher.port, '/v1/services');
    assert.equal(response.status, 200, response.body);
    return new Map(
      (JSON.parse(response.body) as { services: OurRow[] }).services.filter((row) => row.host.endsWith(tag)).map((row) => [row.host, row]),
    );
  };

  // nova's service makes its record as nova.service.Service does, then heartbeats 5 times
  // through nova's servicegroup db driver (Service.save()) while ours keep reporting.
  const created = await nova.send({ cmd: 'create', host: novaHost, binary: 'nova-conductor', topic: 'conductor' });
  assert.ok(Number.isInteger(created.version) && (created.version as number) > 0, `nova's service version ${String(created.version)}`);
  const counts: number[] = [];
  for (let beat = 0; beat < 5; beat++) {
    const answer = await nova.send({ cmd: 'beat' });
    assert.equal(
      answer.swallowed_error,
      false,
      `nova's db driver swallowed an error on beat ${beat + 1}:\n${nova.stderr.slice(-20).join('\n')}`,
    );
    counts.push(answer.report_count as number);
    if (beat === 2) {
      const seen = await weSee(a);
      assert.equal(seen.get(novaHost)?.state, 'up', "ours see nova's service up while it heartbeats");
      assert.equal(seen.get(novaHost)?.serviceVersion, created.version);
      // nova forces its own service down (Service.save()): ours read it down while it beats.
      assert.equal((await nova.send({ cmd: 'force_down', host: novaHost, binary: 'nova-conductor', value: true })).via, 'Service.save');
      const forcedNova = (await weSee(a)).get(novaHost);
      assert.deepEqual([forcedNova?.state, forcedNova?.forcedDown], ['down', true]);
      await nova.send({ cmd: 'force_down', host: novaHost, binary: 'nova-conductor', value: false });
      assert.equal((await weSee(a)).get(novaHost)?.state, 'up');
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  assert.deepEqual(counts, [1, 2, 3, 4, 5], "nova's report_count grows by one a beat");
  assert.ok(!nova.stderr.some((line) => line.includes('Unexpected error while reporting service status')), nova.stderr.join('\n'));

  // nova sees ours up, with our integer service version (the demo manager's 1).
  const both = await until(novaSees, (rows) => rows.get(hostA)?.up === true && rows.get(hostB)?.up === true, 'nova to see both of ours up');
  assert.deepEqual(
    [both.get(hostA)!.binary, both.get(hostA)!.version, both.get(hostA)!.disabled, both.get(hostA)!.forced_down],
    [BINARY, 1, false, false],
  );

  // Disabled with a reason through our admin route: nova reads it.
  const disable = await httpGet(a.port, '/v1/services/disable', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ host: hostB, binary: BINARY, reason: `maintenance ${tag}` }),
  });
  assert.equal(disable.status, 200, disable.body);
  const disabled = await until(novaSees, (rows) => rows.get(hostB)?.disabled === true, 'nova to see B disabled');
  assert.equal(disabled.get(hostB)!.disabled_reason, `maintenance ${tag}`);
  assert.equal(disabled.get(hostB)!.up, true, 'disabled is not down');

  // forced_down set on our A by nova (its DB API: nova's Service object saves nova-* binaries
  // only): both read A down while it keeps reporting; cleared: both read it up.
  await nova.send({ cmd: 'force_down', host: hostA, binary: BINARY, value: true });
  assert.equal((await novaSees()).get(hostA)!.up, false);
  const forced = await until(
    () => weSee(b),
    (rows) => rows.get(hostA)?.state === 'down',
    'ours to read A forced down',
  );
  assert.equal(forced.get(hostA)!.forcedDown, true);
  await nova.send({ cmd: 'force_down', host: hostA, binary: BINARY, value: false });
  await until(
    () => weSee(b),
    (rows) => rows.get(hostA)?.state === 'up' && rows.get(hostA)?.forcedDown === false,
    'ours to read A up again',
  );
  assert.equal((await novaSees()).get(hostA)!.up, true);

  // nova's heartbeats stopped after 5: ours read it down after service_down_time.
  await until(
    () => weSee(a),
    (rows) => rows.get(novaHost)?.state === 'down',
    "ours to read nova's service down",
    15_000,
  );

  // SIGKILL B: nova reads it down after service_down_time, A still up.
  b.child.kill('SIGKILL');
  await b.exited;
  const afterKill = await until(novaSees, (rows) => rows.get(hostB)?.up === false, 'nova to see B down after SIGKILL', 15_000);
  assert.equal(afterKill.get(hostA)!.up, true);
  assert.equal(afterKill.get(hostB)!.disabled, true);
});
