/**
 * The launcher on RabbitMQ 4 configured as 4.3 ships.
 * - With oslo's defaults its workers' transient queues are refused: exit 2 with a message that
 *   names the broker's reason and the options that fix it, no crash loop.
 * - With the option set oslo recommends (quorum, transient quorum, stream fanout, queue manager),
 *   from ONE oslo.config file that the Python oslo.messaging 16.1 peers (trixie root) read too:
 *   calls and casts work both ways (a Python client calls our demo; rpc.js calls, casts and fans
 *   out to a Python server), the service group sees the launcher (its reports are stream fanout
 *   casts), and no queue on the broker is both non-durable and non-exclusive.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { uniqueTopic } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';
import { httpGet } from '../../helpers/http.js';
import { RPC_CLI, startLauncher } from '../../helpers/launcher.js';
import { runPythonClient, startPythonServer } from '../../helpers/python-peer.js';
import { rabbitmq4Vhost, RECOMMENDED, recommendedIni, removeQueueManagerCounters, stagedTrixiePeer } from './support.js';

test('oslo defaults on RabbitMQ 4: the launcher exits 2 naming the broker reason and the options that fix it', {
  timeout: 60_000,
}, async (t) => {
  // A vhost of its own: on the shared broker another test may have declared `openstack` durable.
  const vhost = await rabbitmq4Vhost(t);
  if (!vhost) return;
  const { url } = vhost;
  const launcher = await startLauncher(['--workers', '2', '--transport-url', url, '--topic', uniqueTopic('rmq4-defaults')], {
    waitReady: false,
  });
  t.after(() => launcher.kill());
  const exit = await launcher.exited;
  assert.equal(exit.code, 2);
  const fatal = launcher.lines.find((line) => line.level === 60 && /stopping the launcher/.test(line.msg));
  assert.ok(fatal, 'a fatal line says why the launcher stops');
  assert.match(fatal.msg, /transient_nonexcl_queues/);
  assert.match(fatal.msg, /rabbit_quorum_queue = true and rabbit_transient_quorum_queue = true/);
  assert.equal(
    launcher.lines.some((line) => line.msg === 'restarting worker'),
    false,
    'no crash loop',
  );
});

test('recommended options from one file: calls, casts and fanout both ways with oslo 16.1, the service group, no transient queue', {
  timeout: 120_000,
}, async (t) => {
  const vhost = await rabbitmq4Vhost(t);
  const peer = vhost && (await stagedTrixiePeer(t));
  if (!vhost || !peer) return;
  const url = vhost.url;
  const host = `rmq4-host-${randomBytes(3).toString('hex')}`;
  removeQueueManagerCounters(t, host);
  await writeFile(`${peer.hostDir}/oslo.conf`, recommendedIni(host, peer.rootDir));
  const pyConf = ['--config-file', `${peer.rootDir}/oslo.conf`];
  const ourConf = ['--config-file', `${peer.hostDir}/oslo.conf`];
  const topic = uniqueTopic('rmq4-demo');

  const launcher = await startLauncher([
    '--workers',
    '2',
    ...ourConf,
    '--transport-url',
    url,
    '--topic',
    topic,
    '--service-host',
    host,
    '--report-interval',
    '1',
  ]);
  t.after(() => launcher.kill());

  // Ours serving: HTTP → RPC call through the broker, and a Python 16.1 client calling the demo.
  const ping = await httpGet(launcher.port, '/v1/rpc/ping');
  assert.equal(ping.status, 200, ping.body);
  const [add] = await runPythonClient(url, [{ op: 'call', topic, method: 'add', args: { a: 2, b: 40 } }], 60_000, pyConf, peer);
  assert.deepEqual(add, { ...add, ok: true, result: 42 });

  // The service group: the launcher's reports (stream fanout casts) come back to it.
  await until(
    'the launcher up in its own service group',
    async () => {
      const body = JSON.parse((await httpGet(launcher.port, '/v1/services')).body) as { services: Array<{ host: string; state: string }> };
      return body.services.some((service) => service.host === host && service.state === 'up');
    },
    { timeoutMs: 15_000, intervalMs: 250 },
  );

  // Ours calling: rpc.js (same file) calls, casts and fans out to a Python 16.1 server.
  const pyTopic = uniqueTopic('rmq4-pysrv');
  const python = await startPythonServer(t, url, pyTopic, 'py', pyConf, peer);
  const cli = (...args: string[]) =>
    execa(process.execPath, [RPC_CLI, ...args, ...ourConf, '--transport-url', url], { reject: false, timeout: 30_000 });
  const call = await cli('call', pyTopic, 'add', '{"a": 20, "b": 22}');
  assert.equal(call.exitCode, 0, call.stderr);
  assert.equal(JSON.parse(call.stdout), 42);
  assert.equal((await cli('cast', pyTopic, 'record', '{"value": "cast"}')).exitCode, 0);
  await python.waitEvent((event) => event.event === 'cast' && event.value === 'cast', 15_000);
  assert.equal((await cli('cast', pyTopic, 'record', '{"value": "fanout"}', '--fanout')).exitCode, 0);
  await python.waitEvent((event) => event.event === 'cast' && event.value === 'fanout', 15_000);

  // No queue on this broker is both non-durable and non-exclusive.
  const transient = (await vhost.queues()).filter((queue) => !queue.durable && !queue.exclusive);
  assert.deepEqual(
    transient.map((queue) => queue.name),
    [],
  );
  // The launcher's queues are the queue manager's and the stream.
  const names = (await vhost.queues()).map((queue) => queue.name);
  assert.ok(names.includes(`${topic}_fanout`), 'one fanout stream for the demo topic');
  assert.ok(
    names.some((name) => name.startsWith(`reply_${host}:launcher.js:`)),
    'reply queues named by the queue manager',
  );
});

test('a config file with quorum options is read by our INI parser as by oslo.config', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmq4-ini-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'oslo.conf'), [...RECOMMENDED, 'rabbit_quorum_delivery_limit = 7', 'processname = nova-api', ''].join('\n'));
  const { loadConfig } = await import('../../../src/config/index.js');
  const { config, unknownFileKeys } = loadConfig(['--config-file', join(dir, 'oslo.conf')], {});
  assert.deepEqual(unknownFileKeys, []);
  assert.deepEqual(
    [
      config.rabbit_quorum_queue,
      config.rabbit_transient_quorum_queue,
      config.rabbit_stream_fanout,
      config.use_queue_manager,
      config.rabbit_qos_prefetch_count,
      config.rabbit_quorum_delivery_limit,
      config.processname,
    ],
    [true, true, true, true, 10, 7, 'nova-api'],
  );
});
