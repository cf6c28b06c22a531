// Regression test for issue 16, part 1: the spare loaded before SIGHUP used to take slot 1 of the
// rolling restart, so one worker kept running the code from before the deploy.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startHttpLoad, summary } from '../../helpers/fault-load.js';
import { until } from '../../helpers/wait.js';
import { httpGet } from '../../helpers/http.js';
import { childPids, startLauncher } from '../../helpers/launcher.js';

/** An app whose answer names the code version deployed, like a real deploy would change it. */
const appSource = (version: string): string =>
  `export default (req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ version: '${version}', pid: process.pid })); };\n`;

const versionOf = async (port: number): Promise<{ version: string; pid: number }> =>
  JSON.parse((await httpGet(port, '/')).body) as { version: string; pid: number };

test('after SIGHUP every worker and the spare are processes started after the signal, running the new code; 0 failed requests', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-deploy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = join(dir, 'app.mjs');
  writeFileSync(app, appSource('v1'));
  const launcher = await startLauncher(['--workers', '2', '--app', app]);
  t.after(() => launcher.kill());
  await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting', 20_000, 'the spare');
  const before = childPids(launcher.pid);
  assert.equal(before.length, 3, `two workers and the spare before the reload: ${before.join(' ')}`);

  const load = startHttpLoad('reload load', launcher.port, [{ path: '/', check: (body) => assert.match(body, /"version":"v[12]"/) }], {
    concurrency: 4,
    maxMs: 30_000,
  });
  await until('requests answered', () => load.tally.ok > 20);
  writeFileSync(app, appSource('v2')); // the deploy
  process.kill(launcher.pid, 'SIGHUP');
  await launcher.waitForLine((line) => line.msg === 'rolling restart complete', 20_000, 'rolling restart complete');
  const spare = await launcher.waitForLine(
    (line) => line.msg === 'spare worker loaded and waiting' && !before.includes(line.workerPid as number),
    20_000,
    'a spare forked after the signal',
  );
  const tally = await load.stop();
  t.diagnostic(summary(tally));

  const after = childPids(launcher.pid);
  t.diagnostic(`children before ${before.join(' ')}, after ${after.join(' ')} (spare ${String(spare.workerPid)})`);
  assert.equal(after.length, 3, 'two workers and the spare after the reload');
  for (const pid of after) assert.ok(!before.includes(pid), `pid ${pid} was started after the signal`);
  assert.ok(after.includes(spare.workerPid as number));
  assert.equal(tally.failed, 0, tally.errors.join('; '));
  for (let i = 0; i < 10; i++) assert.equal((await versionOf(launcher.port)).version, 'v2', 'every worker serves the new code');

  // The spare runs the new code too: it takes the slot of a killed worker.
  const victim = (await versionOf(launcher.port)).pid;
  process.kill(victim, 'SIGKILL');
  await launcher.waitForLine((line) => line.msg === 'worker ready' && line.workerPid === spare.workerPid, 10_000, 'the spare serving');
  await until('the spare answers', async () => (await versionOf(launcher.port)).pid === spare.workerPid);
  assert.equal((await versionOf(launcher.port)).version, 'v2');
  for (let i = 0; i < 6; i++) assert.equal((await versionOf(launcher.port)).version, 'v2');
});
