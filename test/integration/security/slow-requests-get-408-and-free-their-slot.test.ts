// Issue 14, item 1: slow request bodies held default_pool_size slots for ever, and 200 partial
// heads with a low file limit made /healthz time out. header_timeout/request_timeout answer 408
// and close (freeing the slot); max_connections closes new connections beyond it at once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Agent } from 'node:http';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { startLauncher } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';
import { RawClient } from '../http/serve.js';

const SLOW_BODY_HEAD = 'POST /v1/rpc/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{';

test('two bodies trickling one byte a second hold the pool (503) only until request_timeout: 408, closed, slot free', async (t) => {
  const launcher = await startLauncher([
    '--workers',
    '1',
    '--default-pool-size',
    '2',
    '--client-socket-timeout',
    '5',
    '--header-timeout',
    '2',
    '--request-timeout',
    '3',
  ]);
  t.after(() => launcher.kill());
  const started = performance.now();
  const clients = await Promise.all([RawClient.open(t, launcher.port), RawClient.open(t, launcher.port)]);
  for (const client of clients) client.socket.write(SLOW_BODY_HEAD);
  const trickle = setInterval(() => {
    for (const client of clients) if (!client.closed) client.socket.write(' ');
  }, 1000);
  t.after(() => clearInterval(trickle));

  // The reproduction: both slots are taken while the bodies trickle.
  await until('/healthz answering 503', async () => (await httpGet(launcher.port, '/healthz')).status === 503, { timeoutMs: 2000 });
  for (const client of clients) await client.waitFor((c) => c.closed, 6000, 'the slow request closed');
  const elapsed = performance.now() - started;
  for (const client of clients) assert.match(client.data, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.ok(elapsed < 5000, `closed after ${Math.round(elapsed)} ms; request_timeout is 3 s`);
  assert.equal((await httpGet(launcher.port, '/healthz')).status, 200);
});

test('a head trickled past header_timeout gets 408 though every byte resets client_socket_timeout', async (t) => {
  const launcher = await startLauncher([
    '--workers',
    '1',
    '--client-socket-timeout',
    '60',
    '--header-timeout',
    '1',
    '--request-timeout',
    '0',
  ]);
  t.after(() => launcher.kill());
  const client = await RawClient.open(t, launcher.port);
  const opened = performance.now();
  client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const trickle = setInterval(() => client.closed || client.socket.write('X-A: b\r\n'), 200);
  t.after(() => clearInterval(trickle));
  await client.waitFor((c) => c.closed, 4000, 'the slow head closed');
  assert.match(client.data, /^HTTP\/1\.1 408 /);
  const elapsed = (await client.closedAt) - opened;
  assert.ok(elapsed >= 900 && elapsed < 3000, `closed after ${Math.round(elapsed)} ms; header_timeout is 1 s`);
});

test('slowloris: 200 partial heads against a worker limited to 120 files; open connections keep being served', async (t) => {
  const launcher = await startLauncher(['--workers', '1', '--max-connections', '40', '--header-timeout', '2', '--no-access-log']);
  t.after(() => launcher.kill());
  const [worker] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  execFileSync('prlimit', ['--pid', String(worker), '--nofile=120:120']);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  assert.equal((await httpGet(launcher.port, '/healthz', { agent })).status, 200);

  const attackers: RawClient[] = [];
  for (let i = 0; i < 200; i++) {
    const client = await RawClient.open(t, launcher.port);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    attackers.push(client);
  }
  const trickle = setInterval(() => {
    for (const client of attackers) if (!client.closed) client.socket.write('a');
  }, 300);
  t.after(() => clearInterval(trickle));

  // The connection opened before the flood is not disturbed.
  const during = await httpGet(launcher.port, '/healthz', { agent, timeoutMs: 2000 });
  assert.equal(during.status, 200);
  await until('connections beyond max_connections closed unread', () => attackers.filter((c) => c.closed && c.data === '').length >= 150, {
    timeoutMs: 5000,
  });
  await launcher.waitForLine((line) => line.msg === 'max_connections reached: new connections are closed', 2000);
  // The ones it kept get 408 at header_timeout; then anyone can connect again.
  await until('every partial head closed', () => attackers.every((c) => c.closed), { timeoutMs: 6000 });
  assert.ok(attackers.filter((c) => c.data.startsWith('HTTP/1.1 408 ')).length >= 1);
  assert.equal((await httpGet(launcher.port, '/healthz', { timeoutMs: 2000 })).status, 200);
});
