/**
 * Three SIGHUP rolling restarts in a row under steady load: HTTP on keep-alive and new
 * connections, RPC calls made by the workers (/v1/rpc/ping, /v1/rpc/echo) and RPC calls from
 * outside through the launcher's embedded socket. Nothing may fail.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cpuPercent, demoRpcRoutes, failuresByConnection, startHttpLoad, startLoop, summary } from '../../helpers/fault-load.js';
import { embeddedClient } from '../../helpers/fault-rpc.js';
import { startLauncher } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

test('three SIGHUP reloads in a row under load: 0 failed requests, 0 failed RPC calls', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-faults-hup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'embedded.sock');
  const launcher = await startLauncher([
    '--workers',
    '2',
    '--embedded-socket',
    socket,
    '--report-interval',
    '1',
    '--graceful-shutdown-timeout',
    '10',
    '--no-access-log',
  ]);
  t.after(() => launcher.kill());
  const client = await embeddedClient(t, socket);

  const http = startHttpLoad('http /healthz', launcher.port, [{ path: '/healthz' }], { concurrency: 4, maxMs: 60_000 });
  const viaWorkers = startHttpLoad('rpc via the workers', launcher.port, demoRpcRoutes(), { concurrency: 2, maxMs: 60_000 });
  const direct = startLoop(
    'rpc calls through the embedded socket',
    async (_lane, n) => {
      const result = await client.call({}, 'echo', { value: n });
      if (result !== n) throw new Error(`echo ${n} answered ${JSON.stringify(result)}`);
    },
    { concurrency: 2, maxMs: 60_000 },
  );
  t.after(() => Promise.all([http.stop(), viaWorkers.stop(), direct.stop()]));

  const ready = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  const generations: number[][] = [ready];
  for (let reload = 1; reload <= 3; reload++) {
    const before = http.tally.ok;
    // Let some traffic reach the current workers first (best effort: after 5 s the reload goes on).
    await until('some traffic on the current workers', () => http.tally.ok >= before + 50, { timeoutMs: 5000, intervalMs: 20 }).catch(
      () => undefined,
    );
    process.kill(launcher.pid, 'SIGHUP');
    const done = await launcher
      .waitForLine(
        (line) =>
          line.msg === 'rolling restart complete' &&
          launcher.lines.filter((l) => l.msg === 'rolling restart complete').indexOf(line) === reload - 1,
        30_000,
        `rolling restart ${reload} complete`,
      )
      .catch(async (error: Error) => {
        // Say what the replacement that never became ready did, and whether the launcher spins.
        const cpu = await cpuPercent(launcher.pid);
        const assigned = launcher.lines.filter((l) => l.msg === 'spare worker assigned' || l.msg === 'worker forked').pop();
        const its = launcher.lines.filter((l) => l.pid === assigned?.workerPid || l.workerPid === assigned?.workerPid);
        throw new Error(
          `${error.message}\nlauncher CPU ${cpu.toFixed(0)} % over 1 s; lines of the last replacement ${String(assigned?.workerPid)}:\n${its.map((l) => JSON.stringify(l)).join('\n')}`,
        );
      });
    generations.push(done.pids as number[]);
  }
  const settle = http.tally.ok;
  await until('traffic after the last reload', () => http.tally.ok >= settle + 50, { timeoutMs: 30_000, intervalMs: 20 });

  const tallies = [await http.stop(), await viaWorkers.stop(), await direct.stop()];
  for (const tally of tallies) console.log(summary(tally));
  for (const tally of tallies.slice(0, 2))
    console.log(`# ${tally.name} failures by connection: ${JSON.stringify(failuresByConnection(tally))}`);
  console.log(`# worker generations: ${generations.map((pids) => pids.join('+')).join(' -> ')}`);
  const drains = launcher.lines.filter((line) => line.msg === 'HTTP service stopped');
  console.log(
    `# idle keep-alive connections handed back by each drained worker: ${drains.map((line) => String(line.handedBack)).join(', ')}`,
  );
  for (const line of launcher.lines.filter((l) => (l.level as number) >= 40)) console.log(`# warning: ${JSON.stringify(line)}`);

  for (let i = 1; i < generations.length; i++) {
    assert.equal(generations[i]!.length, 2);
    for (const pid of generations[i - 1]!) assert.ok(!generations[i]!.includes(pid), `reload ${i} replaced worker ${pid}`);
  }
  for (const tally of tallies) assert.ok(tally.ok > 20, `${tally.name}: only ${tally.ok} answered`);
  assert.equal(direct.tally.failed, 0, `${direct.tally.name}: ${direct.tally.errors.join('; ')}`);
  assert.ok(!launcher.lines.some((line) => line.msg === 'worker died unexpectedly'), 'no worker died');
  assert.deepEqual(
    launcher.lines
      .filter((line) => line.msg === 'worker exited' && line.code !== 0)
      .map((line) => `${String(line.workerPid)}: ${String(line.signal ?? line.code)}`),
    [],
    'every replaced worker drained and exited 0',
  );
  assert.equal(launcher.child.exitCode, null, 'the launcher keeps running');
  // Keep-alive connections included. This failed 1-7 of ~1,500 requests in about half the runs
  // until two fixes: the primary read node's `false` from worker.send() (a message queued behind
  // a socket handle in flight) as a dead channel and SIGKILLed the worker it had just asked to
  // drain; and a draining worker closed idle keep-alive connections under clients writing on
  // them (now it hands them back to the primary for the next worker).
  for (const tally of tallies.slice(0, 2))
    assert.equal(tally.failed, 0, `${tally.name}: ${tally.errors.join('; ')} ${JSON.stringify(failuresByConnection(tally))}`);
});
