/**
 * README's pm2 recipe with reuse_port (issue 26, item 3) on Node 24: fork mode, `wait_ready`,
 * `kill_timeout` covering the drain, and plain `pm2 reload` under steady HTTP and RPC load.
 *
 * pm2 7's reload of a fork-mode app is a restart (lib/God/Reload.js: only cluster_mode starts
 * the new process first), so one app always leaves a gap between the old launcher's exit and the
 * new one's bind. The recipe is therefore two apps of the same service, both with reuse_port on
 * the same port, reloaded one after the other (`pm2 reload inventory-blue && pm2 reload
 * inventory-green`): while one restarts the other serves; the newest launcher takes over the
 * embedded and control socket paths. Nothing may be refused or fail.
 * pm2 is installed from the npm registry into a cache folder outside the clone (test/helpers/pm2.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { demoRpcRoutes, failuresByConnection, startHttpLoad, summary } from '../../helpers/fault-load.js';
import { freePort, httpGet } from '../../helpers/http.js';
import { CTL, LAUNCHER } from '../../helpers/launcher.js';
import { ensurePm2, PM2_VERSION } from '../../helpers/pm2.js';
import { migrateQueuedConnections, NODE_24, reusePortNode } from '../../helpers/reuse-port.js';
import { until } from '../../helpers/wait.js';

const run = promisify(execFile);

test('pm2 reload of blue and green apps with reuse_port on Node 24: nothing refused or failed', { timeout: 240_000 }, async (t) => {
  const node = reusePortNode();
  if (!node) {
    if (process.env.CI === 'true') throw new Error(`no Node >= 22.12: run scripts/node-lines.sh 24 (expected ${NODE_24})`);
    t.skip('no Node >= 22.12');
    return;
  }
  const migrate = migrateQueuedConnections(t);
  const pm2Bin = ensurePm2();
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-pm2-'));
  const env = { ...process.env, PM2_HOME: join(dir, 'pm2'), OSLO_NODE_PERIODIC_FUZZY_DELAY: '0' };
  const pm2 = (...args: string[]): Promise<{ stdout: string }> => run(node, [pm2Bin, ...args], { env, timeout: 120_000 });
  t.after(async () => {
    await pm2('kill').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await freePort();
  const conf = join(dir, 'service.conf');
  writeFileSync(
    conf,
    [
      '[DEFAULT]',
      'workers = 2',
      'reuse_port = true',
      `embedded_socket = ${join(dir, 'embedded.sock')}`,
      `control_socket = ${join(dir, 'control.sock')}`,
      'graceful_shutdown_timeout = 60',
      '[wsgi]',
      'host = 127.0.0.1',
      `port = ${port}`,
      'access_log = false',
      '',
    ].join('\n'),
  );
  // README's ecosystem file, with this build's launcher and the test's config file; the
  // interpreter is named because the machine's default node may be older than 22.12.
  const ecosystem = join(dir, 'ecosystem.config.cjs');
  writeFileSync(
    ecosystem,
    `const app = (name) => ({
  name, script: ${JSON.stringify(LAUNCHER)},
  args: ${JSON.stringify(`--config-file ${conf}`)},
  exec_mode: 'fork', instances: 1,
  wait_ready: true, listen_timeout: 30000,
  kill_timeout: 65000,
  treekill: false,
  interpreter: ${JSON.stringify(node)},
});
module.exports = { apps: [app('inventory-blue'), app('inventory-green')] };
`,
  );
  await pm2('start', ecosystem);
  const pids = async (): Promise<number[]> => (JSON.parse((await pm2('jlist')).stdout) as Array<{ pid: number }>).map((app) => app.pid);
  await until(
    'both launchers under pm2 serve',
    async () => (await pids()).every((pid) => pid > 0) && (await httpGet(port, '/healthz', { timeoutMs: 2000 })).status === 200,
    {
      timeoutMs: 90_000,
      intervalMs: 200,
    },
  );
  const first = await pids();

  const http = startHttpLoad('http /healthz', port, [{ path: '/healthz' }], { concurrency: 4, maxMs: 180_000 });
  const viaWorkers = startHttpLoad('rpc via the workers', port, demoRpcRoutes(), { concurrency: 2, maxMs: 180_000 });
  t.after(() => Promise.all([http.stop(), viaWorkers.stop()]));
  await until('traffic', () => http.tally.ok >= 100, { timeoutMs: 30_000, intervalMs: 20 });
  const reloadAt = performance.now();
  await pm2('reload', 'inventory-blue');
  await until('traffic between the two reloads', () => http.tally.ok >= 200, { timeoutMs: 30_000, intervalMs: 20 });
  await pm2('reload', 'inventory-green');
  const reloadMs = performance.now() - reloadAt;
  const second = await pids();
  const after = http.tally.ok;
  await until('traffic after the reload', () => http.tally.ok >= after + 200, { timeoutMs: 30_000, intervalMs: 20 });
  const tallies = [await http.stop(), await viaWorkers.stop()];
  for (const tally of tallies) console.log(`${summary(tally)}; by connection ${JSON.stringify(failuresByConnection(tally))}`);
  console.log(
    `# pm2 ${PM2_VERSION} on ${node}: net.ipv4.tcp_migrate_req=${migrate}; both reloads took ${reloadMs.toFixed(0)} ms; launchers ${first.join('+')} -> ${second.join('+')}`,
  );

  for (const pid of second) assert.ok(!first.includes(pid), 'pm2 started new launchers');
  const status = await run(node, [CTL, 'status', '--json', '--control-socket', join(dir, 'control.sock')]);
  assert.equal(
    (JSON.parse(status.stdout) as { launcher: { pid: number } }).launcher.pid,
    second[1],
    'the control socket path belongs to the newest launcher',
  );
  for (const tally of tallies) {
    assert.ok(tally.ok > 50, `${tally.name}: only ${tally.ok} answered`);
    assert.equal(tally.failed, 0, `${tally.name}: ${tally.errors.join('; ')}`);
  }
});
