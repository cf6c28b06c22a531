import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';

test('--workers 2 becomes ready, answers /healthz, and spreads connections over both workers', async (t) => {
  const launcher = await startLauncher(['--workers', '2']);
  t.after(() => launcher.kill());
  const ready = launcher.lines.find((line) => line.msg === 'launcher ready')!;
  assert.equal(ready.workers, 2);
  assert.equal((ready.pids as number[]).length, 2);

  const health = await httpGet(launcher.port, '/healthz');
  assert.equal(health.status, 200);
  const body = JSON.parse(health.body) as { pid: number; worker: number };
  assert.ok((ready.pids as number[]).includes(body.pid), 'answered by one of the forked workers');
  assert.ok(body.worker === 1 || body.worker === 2);

  // New connections are handed out round-robin: 10 connections reach both workers.
  const pids = new Set<number>();
  for (let i = 0; i < 10; i++) pids.add((JSON.parse((await httpGet(launcher.port, '/healthz')).body) as { pid: number }).pid);
  assert.equal(pids.size, 2);

  // Every log line is JSON with pid and worker id.
  assert.deepEqual(launcher.rawLines, []);
  assert.ok(launcher.lines.every((line) => typeof line.pid === 'number' && typeof line.worker === 'number'));
  assert.ok(launcher.lines.some((line) => line.worker === 0) && launcher.lines.some((line) => line.worker === 1));
});

test('a user app loaded with --app serves through the launcher, keep-alive reuses one worker', async (t) => {
  const launcher = await startLauncher(['--workers', '2', '--app', fixturePath('apps/slow-app.js')]);
  t.after(() => launcher.kill());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const first = JSON.parse((await httpGet(launcher.port, '/slow?ms=10', { agent })).body) as { pid: number; ms: number };
  const second = JSON.parse((await httpGet(launcher.port, '/fast', { agent })).body) as { pid: number; ms: number };
  assert.equal(first.ms, 10);
  assert.equal(first.pid, second.pid, 'one keep-alive connection stays on its worker');
});
