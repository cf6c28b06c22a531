/**
 * A PostgreSQL outage under the `db` driver: the test's own cluster is stopped for 10 s under a
 * launcher with two workers. No worker dies, /v1/services keeps answering with the table as last
 * known, the failure is logged once, and reports resume without a restart once the database is
 * back: report_count carries on and the disabled flag is kept.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { withPrivateCluster } from '../../helpers/database.js';
import { httpGet } from '../../helpers/http.js';
import { startLauncher } from '../../helpers/launcher.js';
import { delay, until } from '../../helpers/wait.js';

interface Row {
  host: string;
  state: string;
  disabled: boolean;
  disabledReason: string | null;
  pids: number[] | null;
}

test('PostgreSQL stopped for 10 s: no worker dies, the table reads as last known, reports resume', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-sgdb-outage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cluster = await withPrivateCluster(t);
  if (!cluster) return;

  const launcher = await startLauncher(
    [
      '--workers',
      '2',
      '--service-host',
      'outage-host',
      '--embedded-socket',
      join(dir, 'e.sock'),
      '--report-interval',
      '1',
      '--service-down-time',
      '3',
    ],
    {
      env: { OSLO_NODE_SERVICEGROUP_DRIVER: 'db', OSLO_NODE_CONNECTION: cluster.url, OSLO_NODE_ADMIN_TOKEN: 'outage-token' },
    },
  );
  t.after(() => launcher.kill());
  const services = async (): Promise<Row[]> => {
    const response = await httpGet(launcher.port, '/v1/services');
    assert.equal(response.status, 200, response.body);
    return (JSON.parse(response.body) as { services: Row[] }).services;
  };
  const disabled = await httpGet(launcher.port, '/v1/services/disable', {
    method: 'POST',
    headers: { authorization: 'Bearer outage-token' },
    body: JSON.stringify({ reason: 'kept through the outage' }),
  });
  assert.equal(disabled.status, 200, disabled.body);
  const known = await services();
  assert.deepEqual(
    known.map((row) => [row.host, row.state, row.disabled]),
    [['outage-host', 'up', true]],
  );
  const pids = known[0]!.pids!;
  assert.equal(pids.length, 2);

  const count = async (): Promise<number> => {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      return (await client.query<{ report_count: number }>('SELECT report_count FROM services WHERE host = $1', ['outage-host'])).rows[0]!
        .report_count;
    } finally {
      await client.end();
    }
  };
  const beforeOutage = await count();

  await cluster.stopServer();
  const stoppedAt = performance.now();
  await launcher.waitForLine((line) => line.msg === 'unable to report service status; will keep trying', 10_000, 'the report failure');
  // Through the outage every worker answers with the table as it was last known.
  const during = await services();
  assert.deepEqual(
    during.map((row) => [row.host, row.disabled, row.disabledReason]),
    [['outage-host', true, 'kept through the outage']],
  );
  // The outage lasts 10 s, as the issue asks.
  await delay(Math.max(0, 10_000 - (performance.now() - stoppedAt))); // time is the subject
  await cluster.startServer();

  await launcher.waitForLine((line) => line.msg === 'Recovered from being unable to report status.', 15_000, 'the recovery');
  const afterOutage = await count();
  assert.ok(afterOutage > beforeOutage, `report_count went on: ${beforeOutage} -> ${afterOutage}`);
  const rows = await until(
    'the service up again',
    async () => {
      const now = await services();
      return now[0]?.state === 'up' ? now : undefined;
    },
    { timeoutMs: 10_000 },
  );
  assert.deepEqual(
    rows.map((row) => [row.state, row.disabled, row.disabledReason, row.pids]),
    [['up', true, 'kept through the outage', pids]],
    'same workers, flag kept',
  );
  assert.ok(!launcher.lines.some((line) => line.msg === 'worker exited' || line.level >= 50), 'no worker died, nothing fatal');
  assert.equal(
    launcher.lines.filter((line) => line.msg === 'unable to report service status; will keep trying').length,
    1,
    'logged once, not every interval',
  );
});
