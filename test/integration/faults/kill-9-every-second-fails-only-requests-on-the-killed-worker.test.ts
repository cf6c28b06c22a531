/**
 * kill -9 of a worker every second for 10 s, under steady HTTP and RPC load. The only requests
 * that may fail are those in flight on the killed worker: every failure ends within moments of
 * a kill, there are at most as many per kill as there are client lanes, and the launcher ends
 * with its N workers ready and serving.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { delay, demoRpcRoutes, startHttpLoad, startLoop, summary, until, type Tally } from '../../helpers/fault-load.js';
import { embeddedClient } from '../../helpers/fault-rpc.js';
import { isAlive, startLauncher } from '../../helpers/launcher.js';

const WORKERS = 2;
/** How long after a kill a failure may still be reported (the IPC exit notice, a reply that will never come). */
const FAILURE_WINDOW_MS = 3000;

interface WorkerRow {
  slot: number;
  pid: number;
  ready: boolean;
  state: string;
}

test('kill -9 of a worker every second for 10 s: only its requests fail, N healthy workers after', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-faults-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'embedded.sock');
  const launcher = await startLauncher(['--workers', String(WORKERS), '--embedded-socket', socket, '--rpc-response-timeout', '2', '--report-interval', '1', '--no-access-log']);
  t.after(() => launcher.kill());
  const client = await embeddedClient(t, socket, 2);

  const lanes = { http: 4, viaWorkers: 2, direct: 2 };
  const http = startHttpLoad('http /healthz', launcher.port, [{ path: '/healthz' }], { concurrency: lanes.http, maxMs: 60_000 });
  const viaWorkers = startHttpLoad('rpc via the workers', launcher.port, demoRpcRoutes(), { concurrency: lanes.viaWorkers, maxMs: 60_000 });
  const direct = startLoop('rpc calls through the embedded socket', async (_lane, n) => {
    if ((await client.call({}, 'echo', { value: n })) !== n) throw new Error('wrong echo');
  }, { concurrency: lanes.direct, maxMs: 60_000 });
  t.after(() => Promise.all([http.stop(), viaWorkers.stop(), direct.stop()]));
  await until('steady traffic', () => http.tally.ok > 100 && direct.tally.ok > 20, 10_000);

  // The current worker of each slot, from the launcher's log.
  const current = (): Map<number, number> => {
    const bySlot = new Map<number, number>();
    for (const line of launcher.lines) if (line.msg === 'worker ready') bySlot.set(line.slot as number, line.workerPid as number);
    return bySlot;
  };
  const kills: Array<{ at: number; pid: number; slot: number }> = [];
  const started = performance.now();
  for (let i = 0; i < 10; i++) {
    const slot = (i % WORKERS) + 1;
    const pid = current().get(slot);
    if (pid !== undefined && isAlive(pid)) {
      kills.push({ at: performance.now(), pid, slot });
      process.kill(pid, 'SIGKILL');
    }
    await delay(Math.max(0, started + (i + 1) * 1000 - performance.now()));
  }

  // N workers ready again, each alive and answering.
  let rows: WorkerRow[] = [];
  await until('N ready workers in /v1/workers', async () => {
    const result = await httpGet(launcher.port, '/v1/workers').catch(() => undefined);
    rows = result?.status === 200 ? (JSON.parse(result.body) as { workers: WorkerRow[] }).workers.filter((w) => w.slot > 0) : [];
    return rows.length === WORKERS && rows.every((w) => w.ready && w.state === 'ready' && isAlive(w.pid));
  }, 15_000, 100).catch((error: Error) => {
    const notable = launcher.lines.filter((l) => l.level >= 40 || /worker|launcher|restart/.test(l.msg)).slice(-30);
    throw new Error(`${error.message}; exit ${launcher.child.exitCode}; workers ${JSON.stringify(rows)}; log:\n${notable.map((l) => JSON.stringify(l)).join('\n')}`);
  });
  const settled = http.tally.ok;
  await until('traffic after the kills', () => http.tally.ok > settled + 100, 10_000);
  const tallies = [await http.stop(), await viaWorkers.stop(), await direct.stop()];

  for (const tally of tallies) console.log(summary(tally));
  console.log(`# ${kills.length} workers killed (${kills.map((k) => `slot ${k.slot} pid ${k.pid}`).join(', ')}); ${launcher.lines.filter((l) => l.msg === 'worker died unexpectedly').length} deaths logged`);
  console.log(`# workers at the end: ${JSON.stringify(rows.map((w) => ({ slot: w.slot, pid: w.pid, state: w.state })))}`);

  assert.equal(launcher.child.exitCode, null, `the launcher still runs: ${launcher.lines.filter((l) => l.level >= 50).map((l) => l.msg).join('; ')}`);
  assert.equal(kills.length, 10);
  for (const kill of kills) assert.ok(!rows.some((w) => w.pid === kill.pid), `killed pid ${kill.pid} is not listed`);
  const perKillBound = (tally: Tally): number => (tally === tallies[0] ? lanes.http : tally === tallies[1] ? lanes.viaWorkers : lanes.direct);
  for (const tally of tallies) {
    const failures = tally.outcomes.filter((o) => !o.ok);
    for (const failure of failures) {
      const near = kills.some((kill) => failure.start <= kill.at + 50 && failure.end >= kill.at && failure.end <= kill.at + FAILURE_WINDOW_MS);
      assert.ok(near, `${tally.name}: a failure not explained by a kill (in flight ${failure.start.toFixed(0)}..${failure.end.toFixed(0)} ms): ${failure.error}`);
    }
    assert.ok(failures.length <= kills.length * perKillBound(tally), `${tally.name}: ${failures.length} failures for ${kills.length} kills`);
    assert.ok(tally.ok > 50, `${tally.name}: only ${tally.ok} answered`);
  }
});
