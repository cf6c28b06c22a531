/**
 * Socket activation (issue 26, item 1) with Debian's `systemd-socket-activate`: it binds the
 * port, and on the first connection execs a shell that runs the launcher again each time it
 * exits, with LISTEN_PID set to the launcher's own pid, as systemd does for each start of a
 * service whose socket unit holds the port. Under steady HTTP and RPC load the first launcher is
 * stopped (SIGTERM) and the next one starts: the socket stays open all along, so connections made
 * in between wait in the kernel's backlog. Nothing may be refused or fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { demoRpcRoutes, failuresByConnection, startHttpLoad, summary } from '../../helpers/fault-load.js';
import { freePort } from '../../helpers/http.js';
import { isAlive, startLauncher, waitForPidGone } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

/** Runs "$@" until the file $STOP exists, each time as a process whose LISTEN_PID is its own pid. */
const RESTART_LOOP = 'while [ ! -e "$STOP" ]; do sh -c \'LISTEN_PID=$$ exec "$@"\' sh "$@"; done';

test('a restart under systemd-socket-activate with the inherited socket refuses nothing and fails nothing', {
  timeout: 150_000,
}, async (t) => {
  if (spawnSync('systemd-socket-activate', ['--version']).status !== 0) {
    if (process.env.CI === 'true') throw new Error('systemd-socket-activate is missing (Debian package systemd)');
    t.skip('systemd-socket-activate is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-activate-'));
  const stopFile = join(dir, 'stop');
  const port = await freePort();
  const launcher = await startLauncher(['--workers', '2', '--graceful-shutdown-timeout', '20', '--no-access-log'], {
    wrap: ['systemd-socket-activate', '-l', `127.0.0.1:${port}`, '--fdname=http', '-E', `STOP=${stopFile}`, 'sh', '-c', RESTART_LOOP, 'sh'],
    waitReady: false,
  });
  const launchers = (): number[] => launcher.lines.filter((line) => line.msg === 'launcher listening').map((line) => line.pid);
  t.after(async () => {
    writeFileSync(stopFile, '');
    for (const pid of launchers()) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    await waitForPidGone(launcher.pid, 30_000).catch(() => launcher.kill());
    rmSync(dir, { recursive: true, force: true });
  });

  // systemd-socket-activate binds the port a moment after it starts: load sent before that is
  // refused by nobody's fault. A first connection (closed at once) also starts the first launcher.
  const listening = (): Promise<boolean> =>
    new Promise((resolve) => {
      const probe = connect(port, '127.0.0.1');
      probe.once('connect', () => resolve(probe.destroy() !== undefined));
      probe.once('error', () => resolve(false));
    });
  await until('systemd-socket-activate listening', listening, { timeoutMs: 30_000, intervalMs: 20 });
  const http = startHttpLoad('http /healthz', port, [{ path: '/healthz' }], { concurrency: 4, maxMs: 120_000, timeoutMs: 30_000 });
  const viaWorkers = startHttpLoad('rpc via the workers', port, demoRpcRoutes(), { concurrency: 2, maxMs: 120_000, timeoutMs: 30_000 });
  t.after(() => Promise.all([http.stop(), viaWorkers.stop()]));
  await launcher.waitForLine((line) => line.msg === 'launcher ready', 60_000, 'the first launcher ready');
  const [first] = launchers();
  const activated = launcher.lines.find(
    (line) => line.pid === first && line.msg === 'serving on the socket systemd passed (socket activation)',
  );
  assert.ok(activated, 'the launcher serves the socket systemd-socket-activate passed');
  assert.equal(activated.name, 'http');
  assert.equal(activated.port, port);
  const before = http.tally.ok;
  await until('traffic on the first launcher', () => http.tally.ok >= before + 50, { timeoutMs: 30_000, intervalMs: 20 });

  const stoppedAt = performance.now();
  process.kill(first!, 'SIGTERM');
  await waitForPidGone(first!, 30_000);
  const goneMs = performance.now() - stoppedAt;
  await until('the next launcher', () => launchers().length === 2, { timeoutMs: 60_000 });
  const second = launchers()[1]!;
  await launcher.waitForLine((line) => line.pid === second && line.msg === 'launcher ready', 60_000, 'the next launcher ready');
  const readyMs = performance.now() - stoppedAt;
  const after = http.tally.ok;
  await until('traffic on the next launcher', () => http.tally.ok >= after + 200, { timeoutMs: 30_000, intervalMs: 20 });
  const tallies = [await http.stop(), await viaWorkers.stop()];
  for (const tally of tallies) console.log(`${summary(tally)}; by connection ${JSON.stringify(failuresByConnection(tally))}`);
  console.log(
    `# SIGTERM -> first launcher gone: ${goneMs.toFixed(0)} ms; -> next launcher ready: ${readyMs.toFixed(0)} ms (connections waited in the backlog)`,
  );
  for (const line of launcher.lines.filter((l) => l.level >= 40)) console.log(`# warning: ${JSON.stringify(line)}`);

  assert.equal(
    launcher.lines.find((line) => line.pid === first && line.msg === 'stopping all workers gracefully')?.handBack,
    true,
    'a launcher on an inherited socket drains as on a reload',
  );
  assert.ok(launcher.lines.some((line) => line.pid === second && line.msg === 'serving on the socket systemd passed (socket activation)'));
  for (const tally of tallies) {
    assert.ok(tally.ok > 20, `${tally.name}: only ${tally.ok} answered`);
    assert.equal(tally.failed, 0, `${tally.name}: ${tally.errors.join('; ')}`);
  }
});
