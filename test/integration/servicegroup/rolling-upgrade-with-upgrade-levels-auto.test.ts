/**
 * Issue 28, rolling upgrades: two launchers of binary `demo` on RabbitMQ and one PostgreSQL
 * services table, the old code (service version 1, RPC 1.0) and the new (service version 2,
 * RPC 1.1 with `hello_v2`, which the old one lacks). A client launcher with
 * `[upgrade_levels] demo = auto` (the app in test/fixtures/apps/rolling-client-app.ts chooses
 * like nova's rpcapi: 1.1 when the cap allows it) sends 1.0 while the old host is up, under a
 * steady call load with no UnsupportedVersion, and 1.1 once the old host is stopped and its
 * record is down, without a restart. `oslo-node-rpc call` honours the same option.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { withBroker } from '../../helpers/broker.js';
import { dbHostStarter, ownDatabase, withDatabase } from '../../helpers/database.js';
import { httpGet } from '../../helpers/http.js';
import { fixturePath, RPC_CLI, type LogLine, type RunningLauncher } from '../../helpers/launcher.js';

interface CallResult {
  at: number;
  status: number;
  sent: string;
  servedBy?: string;
  error?: string;
}

test('[upgrade_levels] demo = auto: 1.0 while the old service is up, 1.1 once its record is down, no restart', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const clusterUrl = await withDatabase(t);
  if (!clusterUrl) return;
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-rolling-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tag = randomBytes(4).toString('hex');
  // A database of its own: `auto` reads every live `demo` row, and other tests' demo services
  // share the cluster's default database (in a full run one of them held the cap instead).
  const databaseUrl = await ownDatabase(t, clusterUrl, `rolling_${tag}`);
  const oldHost = `old-${tag}`;
  const newHost = `new-${tag}`;
  // A control exchange of its own: the `demo` topic is this test's alone on the shared broker.
  const exchange = `rolling-${tag}`;
  const env = {
    OSLO_NODE_TRANSPORT_URL: brokerUrl,
    OSLO_NODE_CONTROL_EXCHANGE: exchange,
    OSLO_NODE_SERVICEGROUP_DRIVER: 'db',
    OSLO_NODE_CONNECTION: databaseUrl,
  };
  const startHost = dbHostStarter(t, dir, env);
  const start = (host: string, args: string[]): Promise<RunningLauncher> => startHost(host, ['--workers', '1', ...args]);
  const v1 = fixturePath('managers/rolling-v1-manager.js');
  const v2 = fixturePath('managers/rolling-v2-manager.js');
  const [oldService] = await Promise.all([
    start(oldHost, ['--binary', 'demo', '--manager', v1]),
    start(newHost, ['--binary', 'demo', '--manager', v2]),
  ]);
  const client = await start(`client-${tag}`, [
    '--binary',
    `client-${tag}`,
    '--app',
    fixturePath('apps/rolling-client-app.js'),
    '--upgrade-levels',
    'demo:auto',
  ]);

  // A steady call load through the client, 4 at a time, until told to stop.
  const results: CallResult[] = [];
  let loading = true;
  const loop = async (): Promise<void> => {
    while (loading) {
      const response = await httpGet(client.port, '/call');
      const body = JSON.parse(response.body) as Omit<CallResult, 'at' | 'status'>;
      results.push({ at: performance.now(), status: response.status, ...body });
    }
  };
  const load = Promise.all([loop(), loop(), loop(), loop()]);
  t.after(async () => {
    loading = false;
    await load.catch(() => undefined);
  });
  const capLine = (version: string) => (line: LogLine) =>
    line.msg.startsWith('upgrade_levels: RPC version cap for demo') && line.versionCap === version;

  // Both up: the cap is 1.0, held back by the old host; both hosts serve, nothing is refused.
  const held = await client.waitForLine(
    (line) => capLine('1.0')(line) && line.host === oldHost,
    20_000,
    'the cap 1.0 held by the old host',
  );
  assert.equal(held.serviceVersion, 1);
  const bothServed = async (): Promise<void> => {
    const deadline = performance.now() + 20_000;
    while (!(results.some((r) => r.servedBy === oldHost) && results.some((r) => r.servedBy === newHost))) {
      if (performance.now() > deadline) throw new Error(`both hosts did not serve: ${JSON.stringify(results.slice(-5))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await bothServed();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const phase1 = results.slice();
  assert.ok(phase1.length >= 20, `${phase1.length} calls while both were up`);
  assert.deepEqual(
    phase1.filter((r) => r.status !== 200),
    [],
    'no call failed (no UnsupportedVersion) while the old host was up',
  );
  assert.deepEqual([...new Set(phase1.map((r) => r.sent))], ['1.0']);

  // oslo-node-rpc honours the same option: 1.1 is refused before sending, no version goes at the cap.
  const cli = (args: string[]) =>
    execa(
      process.execPath,
      [
        RPC_CLI,
        'call',
        'demo',
        ...args,
        '--upgrade-levels',
        'demo:auto',
        '--manager',
        v2,
        '--report-interval',
        '1',
        '--service-down-time',
        '3',
      ],
      { env, reject: false, timeout: 60_000 },
    );
  const refused = await cli(['hello_v2', '--rpc-version', '1.1']);
  assert.equal(refused.exitCode, 1, refused.stderr);
  assert.match(refused.stderr, /RpcVersionCapError/);
  const atCap = await cli(['hello']);
  assert.equal(atCap.exitCode, 0, atCap.stderr);

  // Stop the old host: its record stays (db driver) and turns down after service_down_time; the
  // client moves to 1.1 then, without a restart, the new host named as the one setting the cap.
  oldService.child.kill('SIGTERM');
  assert.equal((await oldService.exited).code, 0);
  const stoppedAt = performance.now();
  const moved = await client.waitForLine(capLine('1.1'), 30_000, 'the cap to move to 1.1');
  const movedAt = performance.now();
  assert.ok(
    movedAt - stoppedAt >= 1500,
    `the cap moved ${(movedAt - stoppedAt).toFixed(0)} ms after the stop: not before the old record was down`,
  );
  assert.deepEqual([moved.host, moved.serviceVersion], [newHost, 2]);
  assert.equal(client.lines.filter(capLine('1.1')).length, 1, 'the change is logged once');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  loading = false;
  await load;

  assert.deepEqual(
    results.filter((r) => r.status !== 200),
    [],
    'no call failed during the whole upgrade',
  );
  const after = results.filter((r) => r.at > movedAt + 1500);
  assert.ok(after.length >= 10, `${after.length} calls after the move`);
  assert.deepEqual([...new Set(after.map((r) => `${r.sent} ${r.servedBy}`))], [`1.1 ${newHost}`]);
  assert.deepEqual(
    client.lines.filter((line) => line.level >= 50),
    [],
    'no error in the client',
  );

  // The CLI sends 1.1 now.
  const later = await cli(['hello_v2', '--rpc-version', '1.1']);
  assert.equal(later.exitCode, 0, later.stderr);
  assert.equal((JSON.parse(later.stdout) as { host: string }).host, newHost);
});
