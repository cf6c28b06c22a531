/**
 * Issue 27, finding 4: metrics_port listened in the launcher on `[wsgi] host` without a
 * connection cap, keeping idle sockets ~60 s, so 420 idle connections under `--nofile=400` left
 * `/healthz` unanswered and `ctl.js status` failing. The reproduction, against a launcher whose
 * service listens on 127.0.0.2 and which runs under `prlimit --nofile=400`:
 * - metrics_port is on metrics_host (127.0.0.1 by default), not on the service's address;
 * - with metrics_token, a scrape without the bearer token, or with a wrong one, is 401;
 * - 420 idle connections: the launcher keeps at most 16 (the rest are closed at once), its fd
 *   count stays low, `/healthz` and `ctl.js status` answer, and the idle ones are closed within
 *   the header timeout.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { until } from '../../helpers/wait.js';
import { freePort } from '../../helpers/http.js';
import { CTL, startLauncher } from '../../helpers/launcher.js';

const TOKEN = 'm3trics-T0ken';

function get(host: string, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${host}:${port}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test('metrics_port: loopback by default, a bearer token, a connection cap and short timeouts', { timeout: 120_000 }, async (t) => {
  const runtime = mkdtempSync(join(tmpdir(), 'oslo-node-metrics-'));
  t.after(() => rmSync(runtime, { recursive: true, force: true }));
  const env = { XDG_RUNTIME_DIR: runtime, OSLO_NODE_METRICS_TOKEN: TOKEN };
  const metricsPort = await freePort();
  const launcher = await startLauncher(
    ['--host', '127.0.0.2', '--workers', '1', '--metrics-enabled', '--metrics-port', String(metricsPort)],
    { env, wrap: ['prlimit', '--nofile=400', '--'] },
  );
  t.after(() => launcher.kill());
  const listening = await launcher.waitForLine((line) => line.msg === 'metrics listening');
  assert.equal(listening.host, '127.0.0.1', 'metrics_host defaults to loopback');
  assert.equal(listening.token, true);
  assert.equal(JSON.stringify(launcher.lines).includes(TOKEN), false, 'the token is never logged');

  // The service is on 127.0.0.2; metrics are not there, only on 127.0.0.1.
  assert.equal((await get('127.0.0.2', launcher.port, '/healthz')).status, 200);
  await assert.rejects(get('127.0.0.2', metricsPort, '/metrics'), /ECONNREFUSED/, 'metrics_port does not follow [wsgi] host');

  assert.equal((await get('127.0.0.1', metricsPort, '/metrics')).status, 401, 'no token');
  assert.equal((await get('127.0.0.1', metricsPort, '/metrics', { authorization: 'Bearer wrong' })).status, 401, 'a wrong token');
  const scrape = await get('127.0.0.1', metricsPort, '/metrics', { authorization: `Bearer ${TOKEN}` });
  assert.equal(scrape.status, 200);
  assert.match(scrape.body, /oslo_node_/);

  // 420 idle connections against a launcher limited to 400 file descriptors.
  const before = fdCount(launcher.pid);
  const sockets: Socket[] = [];
  let closed = 0;
  for (let i = 0; i < 420; i++) {
    const socket = connect(metricsPort, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('close', () => closed++);
    sockets.push(socket);
  }
  t.after(() => {
    for (const socket of sockets) socket.destroy();
  });
  await Promise.all(sockets.map((socket) => Promise.race([once(socket, 'connect'), once(socket, 'close')])));
  // All but the cap are closed by the launcher at once.
  await until('the connections past the cap to be closed', () => closed >= 420 - 16, { timeoutMs: 10_000 });
  const during = fdCount(launcher.pid);
  assert.ok(during - before <= 20, `the launcher holds at most the cap: ${before} fds before, ${during} with 420 idle connections`);
  assert.ok(
    launcher.lines.some((line) => /too many connections/.test(line.msg)),
    'the drop is logged',
  );

  // The launcher still serves and answers ctl.
  const health = await get('127.0.0.2', launcher.port, '/healthz');
  assert.equal(health.status, 200);
  const status = await execa(process.execPath, [CTL, 'status', '--json'], { reject: false, env, timeout: 20_000 });
  assert.equal(status.exitCode, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).launcher.pid, launcher.pid);

  // The idle ones that were kept are closed within the header timeout (5 s, checked each second).
  const start = performance.now();
  await until('every idle connection closed', () => closed === 420, { timeoutMs: 15_000 });
  assert.ok(performance.now() - start < 12_000);
  const after = await get('127.0.0.1', metricsPort, '/metrics', { authorization: `Bearer ${TOKEN}` });
  assert.equal(after.status, 200, 'metrics serve again');
});
