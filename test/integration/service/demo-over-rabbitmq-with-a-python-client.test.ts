import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { privateVhost, withBroker } from '../../helpers/broker.js';
import { httpGet } from '../../helpers/http.js';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

const PYTHON_CLIENT = fixturePath('../../../test/fixtures/python/oslo_client.py');

async function pythonCalls(url: string, ops: unknown[]): Promise<Array<Record<string, unknown>>> {
  const result = await execa('/usr/bin/python3', [PYTHON_CLIENT, url.replace(/^amqp:/, 'rabbit:'), JSON.stringify(ops)], {
    reject: false,
    timeout: 60_000,
  });
  assert.equal(result.exitCode, 0, result.stderr);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('over RabbitMQ: the demo serves a Python oslo client, shares one service record, and leaves the group at once', async (t) => {
  const sharedUrl = await withBroker(t);
  if (!sharedUrl) return;
  // Its own vhost: queue names do not carry the exchange, so other tests' demo servers on the
  // shared broker would consume from the same 'demo' queue.
  const { url: brokerUrl } = await privateVhost(t, sharedUrl);
  const exchange = `demo_test_${process.pid}`;
  const common = ['--transport-url', brokerUrl, '--control-exchange', exchange, '--report-interval', '1'];
  // One admin_token on both hosts: a leave counts only when signed with it (issue 27, 2).
  const env = { OSLO_NODE_ADMIN_TOKEN: `token-${process.pid}` };
  const a = await startLauncher(['--workers', '2', '--service-host', 'host-a', ...common], { env });
  t.after(() => a.kill());

  // A Python oslo.messaging client calls the demo's echo and add (version 1.3), and gets DemoError as a RemoteError.
  const [echo, add, fail, tooNew] = await pythonCalls(brokerUrl, [
    { op: 'call', exchange, topic: 'demo', version: '1.3', method: 'echo', args: { value: { nested: ['x', 1] } } },
    { op: 'call', exchange, topic: 'demo', method: 'add', args: { a: 2, b: 40 } },
    { op: 'call', exchange, topic: 'demo', method: 'fail', args: { message: 'boom' } },
    { op: 'call', exchange, topic: 'demo', version: '1.4', method: 'echo', args: { value: 1 } },
  ]);
  assert.deepEqual(echo, { ...echo, ok: true, result: { nested: ['x', 1] } });
  assert.equal(add!.result, 42);
  assert.equal(fail!.ok, false);
  assert.equal(fail!.exc_type, 'DemoError');
  assert.match(String(fail!.value), /boom/);
  assert.equal(tooNew!.ok, false);
  assert.match(String(tooNew!.message), /UnsupportedVersion|does not support RPC version 1.4/);

  // A second launcher (another host) on the same broker sees host-a up, shared by its 2 workers.
  const b = await startLauncher(['--workers', '1', '--service-host', 'host-b', ...common], { env });
  t.after(() => b.kill());
  const seen = async (): Promise<Array<{ host: string; state: string; workers: number }>> =>
    (JSON.parse((await httpGet(b.port, '/v1/services')).body) as { services: Array<{ host: string; state: string; workers: number }> })
      .services;
  const services = await until(
    'host-a with its 2 workers, seen by host-b',
    async () => {
      const rows = await seen();
      return rows.find((s) => s.host === 'host-a')?.workers === 2 ? rows : undefined;
    },
    { timeoutMs: 5000, intervalMs: 100 },
  );
  assert.deepEqual(
    services.find((s) => s.host === 'host-a'),
    { ...services.find((s) => s.host === 'host-a'), state: 'up', workers: 2 },
  );

  // SIGKILL one worker of host-a: the record stays up through the other worker.
  const pids = a.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  process.kill(pids[0]!, 'SIGKILL');
  await a.waitForLine(
    (line) => line.msg === 'worker died unexpectedly' && line.workerPid === pids[0],
    10_000,
    'the launcher to see the worker die',
  );
  // Its slot serves again through a new worker (the spare, or a fresh fork) in the worker's slot.
  await a.waitForLine(
    (line) => line.msg === 'worker ready' && line.slot !== 0 && !pids.includes(line.workerPid as number),
    20_000,
    'the replacement worker',
  );
  assert.equal((await seen()).find((s) => s.host === 'host-a')?.state, 'up');

  // Stopping launcher a: host-a is down at once (its signed leave), long before service_down_time (60 s).
  process.kill(a.pid, 'SIGTERM');
  assert.equal((await a.exited).code, 0);
  const state = await until(
    'host-a down',
    async () => {
      const now = (await seen()).find((s) => s.host === 'host-a')?.state;
      return now === 'down' ? now : undefined;
    },
    { timeoutMs: 3000, intervalMs: 100 },
  );
  assert.equal(state, 'down');
  assert.equal((await seen()).find((s) => s.host === 'host-b')?.state, 'up');
});
