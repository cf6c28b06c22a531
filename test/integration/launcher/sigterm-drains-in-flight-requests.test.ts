import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { fixturePath, isAlive, startLauncher } from '../../helpers/launcher.js';

const app = fixturePath('apps/slow-app.js');
// Logs "slow request started" once a worker has the request: tests wait on that line.
const loggingApp = fixturePath('apps/logging-slow-app.js');

test('SIGTERM with an in-flight slow request: the request completes, the launcher exits 0', async (t) => {
  const launcher = await startLauncher(['--workers', '2', '--app', loggingApp]);
  t.after(() => launcher.kill());
  const pids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  const slow = httpGet(launcher.port, '/slow?ms=1500');
  await launcher.waitForLine((line) => line.msg === 'slow request started', 5000, 'the request reached a worker');
  process.kill(launcher.pid, 'SIGTERM');
  const response = await slow;
  assert.equal(response.status, 200);
  assert.equal(JSON.parse(response.body).ms, 1500);
  assert.equal(response.headers.connection, 'close', 'answered with Connection: close during the drain');
  const { code } = await launcher.exited;
  assert.equal(code, 0);
  for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid} is gone`);
});

test('SIGTERM with idle keep-alive clients exits well under a second', async (t) => {
  const launcher = await startLauncher(['--workers', '2', '--app', app]);
  t.after(() => launcher.kill());
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  t.after(() => agent.destroy());
  await Promise.all(Array.from({ length: 20 }, () => httpGet(launcher.port, '/fast', { agent })));
  const open = Object.values(agent.freeSockets).flat().length;
  assert.ok(open >= 10, `idle keep-alive sockets held: ${open}`);

  const started = performance.now();
  process.kill(launcher.pid, 'SIGTERM');
  const { code } = await launcher.exited;
  const elapsed = performance.now() - started;
  console.log(`# SIGTERM to exit with ${open} idle keep-alive clients: ${elapsed.toFixed(1)} ms`);
  const exits = launcher.lines.filter((line) => line.msg === 'worker exited' || line.level >= 40);
  assert.equal(code, 0, JSON.stringify(exits));
  assert.ok(elapsed < 1000, `exit took ${elapsed.toFixed(1)} ms`);
});

test('a second SIGTERM during the drain forces the stop: exit 1 at once', async (t) => {
  const launcher = await startLauncher(['--workers', '1', '--app', loggingApp]);
  t.after(() => launcher.kill());
  const slow = httpGet(launcher.port, '/slow?ms=20000').catch((error: Error) => error);
  await launcher.waitForLine((line) => line.msg === 'slow request started', 5000, 'the request reached the worker');
  process.kill(launcher.pid, 'SIGTERM');
  await launcher.waitForLine((line) => line.msg === 'stopping all workers gracefully');
  const started = performance.now();
  process.kill(launcher.pid, 'SIGTERM');
  const { code } = await launcher.exited;
  assert.equal(code, 1);
  assert.ok(performance.now() - started < 3000);
  assert.ok((await slow) instanceof Error, 'the forced stop cut the 20 s request');
});

test('graceful_shutdown_timeout bounds the stop: remaining workers are killed, exit 1', async (t) => {
  const launcher = await startLauncher(['--workers', '1', '--app', loggingApp, '--graceful-shutdown-timeout', '1']);
  t.after(() => launcher.kill());
  const slow = httpGet(launcher.port, '/slow?ms=20000').catch((error: Error) => error);
  await launcher.waitForLine((line) => line.msg === 'slow request started', 5000, 'the request reached the worker');
  const started = performance.now();
  process.kill(launcher.pid, 'SIGTERM');
  const { code } = await launcher.exited;
  const elapsed = performance.now() - started;
  assert.equal(code, 1);
  assert.ok(elapsed >= 900 && elapsed < 4000, `stopped after ${elapsed.toFixed(0)} ms`);
  assert.ok((await slow) instanceof Error);
});

test('SIGTERM while a replacement worker is still loading: it is killed, the launcher exits 0 at once', async (t) => {
  const launcher = await startLauncher(['--workers', '2', '--no-prefork-spare']);
  t.after(() => launcher.kill());
  const [victim] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  process.kill(victim!, 'SIGKILL');
  await launcher.waitForLine((line) => line.msg === 'worker forked' && line.restarts === 1, 10_000, 'replacement forked');
  const started = performance.now();
  process.kill(launcher.pid, 'SIGTERM');
  const { code } = await launcher.exited;
  assert.equal(code, 0);
  assert.ok(performance.now() - started < 5000, 'did not wait for the graceful timeout');
});
