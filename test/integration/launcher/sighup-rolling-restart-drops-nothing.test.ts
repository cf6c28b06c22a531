import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet, startLoad } from '../../helpers/http.js';
import { until } from '../../helpers/wait.js';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';

test('SIGHUP under a steady request loop: zero failed requests and every worker pid changes', async (t) => {
  const launcher = await startLauncher(['--workers', '2', '--app', fixturePath('apps/slow-app.js')]);
  t.after(() => launcher.kill());
  const before = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];

  const load = startLoad(launcher.port, '/slow?ms=20', { concurrency: 6, maxMs: 30_000 });
  await until('the load to reach both workers', () => before.every((pid) => load.report.pids.has(pid)), {
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  process.kill(launcher.pid, 'SIGHUP');
  const done = await launcher.waitForLine((line) => line.msg === 'rolling restart complete', 20_000, 'rolling restart complete');
  await until('the load to reach both new workers', () => (done.pids as number[]).every((pid) => load.report.pids.has(pid)), {
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  const report = await load.stop();
  console.log(`# SIGHUP reload under load: ${report.sent} sent, ${report.ok} ok, ${report.failed} failed`);

  const after = done.pids as number[];
  assert.equal(after.length, 2);
  for (const pid of before) assert.ok(!after.includes(pid), `old worker ${pid} replaced`);
  assert.equal(report.failed, 0, report.errors.join('; '));
  assert.ok(report.ok > 50, `requests answered: ${report.ok}`);
  for (const pid of after) assert.ok(report.pids.has(pid), `new worker ${pid} served requests`);
  assert.equal(launcher.child.exitCode, null, 'the launcher keeps running');
});

test('SIGHUP re-reads the config files; an invalid one aborts the reload and keeps the old workers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'service.conf');
  writeFileSync(file, '[DEFAULT]\nlog_level = info\n');
  const launcher = await startLauncher(['--workers', '1', '--config-file', file]);
  t.after(() => launcher.kill());
  const before = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];

  writeFileSync(file, '[DEFAULT]\nlog_level = loud\n');
  process.kill(launcher.pid, 'SIGHUP');
  const aborted = await launcher.waitForLine((line) => /reload aborted/.test(line.msg));
  assert.match(JSON.stringify(aborted), /log_level/);
  assert.equal((JSON.parse((await httpGet(launcher.port, '/healthz')).body) as { pid: number }).pid, before[0]);

  writeFileSync(file, '[DEFAULT]\nlog_level = debug\n');
  process.kill(launcher.pid, 'SIGHUP');
  const done = await launcher.waitForLine((line) => line.msg === 'rolling restart complete');
  assert.notDeepEqual(done.pids, before);
  // The new worker runs with the re-read level: debug lines from it now appear.
  await launcher.waitForLine((line) => line.level === 20 && line.worker === 1, 5000, 'a debug line from the new worker');
});

test('SIGHUP: an idle keep-alive connection is handed to the new worker, not closed', async (t) => {
  const launcher = await startLauncher(['--workers', '1']);
  t.after(() => launcher.kill());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const get = (): Promise<{ pid: number; localPort: number }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: launcher.port, path: '/healthz', agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () => resolve({ pid: (JSON.parse(body) as { pid: number }).pid, localPort: req.socket!.localPort! }));
      });
      req.on('error', reject);
      req.end();
    });
  const first = await get();
  process.kill(launcher.pid, 'SIGHUP');
  await launcher.waitForLine((line) => line.msg === 'rolling restart complete', 20_000, 'rolling restart complete');
  const drained = launcher.lines.find((line) => line.msg === 'HTTP service stopped' && line.pid === first.pid);
  const second = await get();
  console.log(
    `# connection from port ${first.localPort}: served by ${first.pid}, after the reload by ${second.pid} (handed back: ${String(drained?.handedBack)})`,
  );
  assert.equal(drained?.handedBack, 1, 'the old worker gave its idle connection back');
  assert.equal(second.localPort, first.localPort, 'the same TCP connection');
  assert.notEqual(second.pid, first.pid, 'served by the new worker');
});
