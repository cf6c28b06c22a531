/**
 * Framework metrics (issue 15, item 2): with metrics_enabled any app and manager (here a test
 * app and manager, not the demo) get HTTP, RPC served/made, pool and periodic metrics and the
 * launcher's worker restarts, merged over the workers, on metrics_path before the app, or on a
 * port of their own. Off by default: the path then belongs to the app.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, httpGet } from '../../helpers/http.js';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

const manager = fixturePath('managers/recording-manager.js');
const app = fixturePath('apps/rpc-app.js');

/** The value of the sample `name{labels}` in Prometheus text (labels in prom-client's order). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('metrics_enabled: every worker counted, merged on metrics_path before the app; restarts from the launcher', {
  timeout: 60_000,
}, async (t) => {
  const launcher = await startLauncher(['--workers', '2', '--manager', manager, '--app', app, '--metrics-enabled']);
  t.after(() => launcher.kill());
  for (let i = 0; i < 20; i++) assert.equal((await httpGet(launcher.port, '/whoami')).status, 200);
  const pids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];

  const first = await httpGet(launcher.port, '/metrics');
  assert.equal(first.status, 200);
  assert.match(String(first.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  // 20 answered requests over both workers, summed by the launcher.
  assert.equal(sample(first.body, 'oslo_node_http_server_requests_total{method="GET",status_class="2xx"}'), 20);
  assert.equal(sample(first.body, 'oslo_node_http_server_request_duration_seconds_count{status_class="2xx"}'), 20);
  assert.equal(sample(first.body, 'oslo_node_rpc_client_requests_total{kind="call",outcome="ok"}'), 20);
  assert.ok((sample(first.body, 'oslo_node_rpc_server_requests_total{kind="call",outcome="ok"}') ?? 0) >= 20);
  assert.equal(sample(first.body, 'oslo_node_pool_queue'), 0);
  assert.ok(sample(first.body, 'oslo_node_pool_tasks{outcome="completed"}') !== undefined);
  assert.match(first.body, /^oslo_node_periodic_runs\{task="[^"]+",outcome="ok"\} \d+$/m);
  assert.equal(sample(first.body, 'oslo_node_launcher_worker_restarts{slot="1"}'), 0);

  process.kill(pids[0]!, 'SIGKILL');
  await until(
    'the killed slot restarted',
    async () => {
      const text = (await httpGet(launcher.port, '/metrics')).body;
      return (
        (sample(text, 'oslo_node_launcher_worker_restarts{slot="1"}') ?? 0) +
          (sample(text, 'oslo_node_launcher_worker_restarts{slot="2"}') ?? 0) ===
        1
      );
    },
    { timeoutMs: 20_000 },
  );
});

test('metrics_port: the launcher serves them on their own port; the service port leaves the path to the app', {
  timeout: 60_000,
}, async (t) => {
  const launcher = await startLauncher([
    '--workers',
    '1',
    '--manager',
    manager,
    '--app',
    app,
    '--metrics-enabled',
    '--metrics-port',
    '0',
    '--metrics-path',
    '/prom',
  ]);
  t.after(() => launcher.kill());
  // Port 0 means "on the service port": metrics_path is answered there.
  assert.match((await httpGet(launcher.port, '/prom')).body, /oslo_node_http_server_requests_in_flight 1/);

  const metricsPort = await freePort();
  const own = await startLauncher([
    '--workers',
    '1',
    '--manager',
    manager,
    '--app',
    app,
    '--metrics-enabled',
    '--metrics-port',
    String(metricsPort),
    '--metrics-path',
    '/prom',
  ]);
  t.after(() => own.kill());
  const line = own.lines.find((candidate) => candidate.msg === 'metrics listening')!;
  assert.equal(line.port, metricsPort);
  assert.equal((await httpGet(own.port, '/whoami')).status, 200);
  const text = (await httpGet(line.port as number, '/prom')).body;
  assert.equal(sample(text, 'oslo_node_rpc_client_requests_total{kind="call",outcome="ok"}'), 1);
  // On the service port the path is the app's (rpc-app answers every path through RPC).
  assert.doesNotMatch((await httpGet(own.port, '/prom')).body, /oslo_node_/);
});

test('off by default: metrics_path belongs to the app', async (t) => {
  const launcher = await startLauncher(['--workers', '1', '--manager', manager, '--app', app]);
  t.after(() => launcher.kill());
  assert.doesNotMatch((await httpGet(launcher.port, '/metrics')).body, /oslo_node_http_server/);
});
