/**
 * Several hosts on one broker: launchers host-a and host-b in this network namespace, host-c in
 * a network namespace of its own, linked by a veth pair (its only way to the broker: a TCP relay
 * on the host side of the veth). All three see each other in /v1/services; `rpc.js call demo
 * ping --server HOST` reaches each. Then host-c's link goes down: it is marked down after
 * service_down_time, calls to the topic are served by the others meanwhile, and once the link is
 * back host-c reconnects and is up again, with the same launcher and worker processes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { privateVhost, withBroker } from '../../helpers/broker.js';
import { delay, until } from '../../helpers/wait.js';
import { amqpClient } from '../../helpers/fault-rpc.js';
import { childPids, RPC_CLI, startLauncher, type RunningLauncher } from '../../helpers/launcher.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';

const DOWN_TIME_S = 4;

/** A namespace with a veth pair to this one; removed (with the pair) after the test. */
async function isolatedNamespace(
  t: TestContext,
): Promise<{ name: string; hostIp: string; nsIp: string; setLink(up: boolean): Promise<void> }> {
  const tag = randomBytes(3).toString('hex');
  const name = `oslo-node-${tag}`;
  const hostSide = `on${tag}h`;
  const nsSide = `on${tag}n`;
  // A /30 of the benchmark range (198.18.0.0/15, RFC 2544): never routed anywhere else.
  const octet = (parseInt(tag.slice(0, 2), 16) % 60) * 4;
  const hostIp = `198.18.${parseInt(tag.slice(2, 4), 16)}.${octet + 1}`;
  const nsIp = `198.18.${parseInt(tag.slice(2, 4), 16)}.${octet + 2}`;
  const ip = (...args: string[]) => execa('ip', args, { timeout: 10_000 });
  await ip('netns', 'add', name);
  t.after(() => ip('netns', 'del', name).catch(() => undefined));
  await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
  t.after(() => ip('link', 'del', hostSide).catch(() => undefined));
  await ip('link', 'set', nsSide, 'netns', name);
  await ip('addr', 'add', `${hostIp}/30`, 'dev', hostSide);
  await ip('link', 'set', hostSide, 'up');
  await ip('-n', name, 'addr', 'add', `${nsIp}/30`, 'dev', nsSide);
  await ip('-n', name, 'link', 'set', nsSide, 'up');
  await ip('-n', name, 'link', 'set', 'lo', 'up');
  return { name, hostIp, nsIp, setLink: async (up) => void (await ip('-n', name, 'link', 'set', nsSide, up ? 'up' : 'down')) };
}

interface ServiceRow {
  host: string;
  binary: string;
  state: string;
}

async function services(host: string, port: number): Promise<ServiceRow[]> {
  const response = await fetch(`http://${host}:${port}/v1/services`, { signal: AbortSignal.timeout(2000) });
  return ((await response.json()) as { services: ServiceRow[] }).services;
}

const stateOf = (rows: ServiceRow[], host: string): string | undefined =>
  rows.find((row) => row.host === host && row.binary === 'demo')?.state;

test('a host cut off by its network namespace is marked down, its calls fail over, and it rejoins without a restart', {
  timeout: 120_000,
}, async (t) => {
  const sharedUrl = await withBroker(t);
  if (!sharedUrl) return;
  // Its own vhost: the fuzz test's demo servers on the shared broker would otherwise consume the
  // same 'demo' queue and answer this test's calls.
  const { url } = await privateVhost(t, sharedUrl);
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true') throw new Error('network namespaces need root; CI runs the tests as root');
    t.skip('network namespaces need root');
    return;
  }
  const ns = await isolatedNamespace(t);
  const { port: relayPort } = await startTcpRelay(t, url, ns.hostIp);
  const exchange = `netns-${randomBytes(4).toString('hex')}`;
  const common = [
    '--workers',
    '1',
    '--no-prefork-spare',
    '--control-exchange',
    exchange,
    '--report-interval',
    '1',
    '--service-down-time',
    String(DOWN_TIME_S),
    '--digest-spacing',
    '0',
    '--heartbeat-timeout-threshold',
    '2',
    '--rabbit-retry-interval',
    '0.5',
    '--rabbit-retry-backoff',
    '0.5',
    '--rabbit-interval-max',
    '1',
    '--kombu-reconnect-delay',
    '0.2',
  ];
  const stop = (launcher: RunningLauncher) => async () => {
    launcher.child.kill('SIGTERM');
    const timer = setTimeout(() => launcher.kill(), 10_000);
    await launcher.exited;
    clearTimeout(timer);
  };
  const [a, b, c] = await Promise.all([
    startLauncher([...common, '--transport-url', url, '--service-host', 'host-a'], { timeoutMs: 60_000 }),
    startLauncher([...common, '--transport-url', url, '--service-host', 'host-b'], { timeoutMs: 60_000 }),
    startLauncher(
      [
        ...common,
        '--transport-url',
        url.replace(`127.0.0.1:${new URL(url).port}`, `${ns.hostIp}:${relayPort}`),
        '--service-host',
        'host-c',
        '--host',
        ns.nsIp,
      ],
      { wrap: ['ip', 'netns', 'exec', ns.name], timeoutMs: 60_000 },
    ),
  ]);
  for (const launcher of [a, b, c]) t.after(stop(launcher));
  const views = { a: ['127.0.0.1', a.port], b: ['127.0.0.1', b.port], c: [ns.nsIp, c.port] } as const;

  // Everyone sees everyone.
  await until(
    'all three hosts up in every /v1/services',
    async () => {
      for (const [host, port] of Object.values(views)) {
        const rows = await services(host, port);
        if (!['host-a', 'host-b', 'host-c'].every((name) => stateOf(rows, name) === 'up')) return false;
      }
      return true;
    },
    { timeoutMs: 20_000 },
  );
  const cli = (server: string) =>
    execa(
      process.execPath,
      [RPC_CLI, 'call', 'demo', 'ping', '--server', server, '--transport-url', url, '--control-exchange', exchange, '--timeout', '10'],
      { reject: false, timeout: 20_000 },
    );
  for (const server of ['host-a', 'host-b', 'host-c']) {
    const result = await cli(server);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { host: string }).host, server, `rpc.js --server ${server} reaches ${server}`);
  }
  const workerOfC = childPids(c.pid);
  assert.equal(workerOfC.length, 1);

  // Cut host-c off.
  const cutAt = Date.now();
  await ns.setLink(false);
  const { client } = await amqpClient(t, url, exchange, { timeoutSeconds: 10 });
  // Calls to the topic meanwhile (spread over 1.8 s): all answered, by the hosts still connected.
  const answered = await Promise.all(
    Array.from({ length: 12 }, (_, i) => delay(i * 150).then(() => client.call<{ host: string }>({}, 'ping'))),
  );
  assert.ok(
    answered.every((reply) => reply.host === 'host-a' || reply.host === 'host-b' || reply.host === 'host-c'),
    `every call answered by a host: ${JSON.stringify(answered)}`,
  );
  await until(
    'host-c marked down by host-a and host-b',
    async () => stateOf(await services(...views.a), 'host-c') === 'down' && stateOf(await services(...views.b), 'host-c') === 'down',
    { timeoutMs: (DOWN_TIME_S + 6) * 1000 },
  );
  const downAfter = Date.now() - cutAt;
  assert.ok(downAfter >= (DOWN_TIME_S - 1) * 1000, `down after ${downAfter} ms, not before service_down_time`);
  assert.equal(stateOf(await services(...views.a), 'host-a'), 'up');
  assert.equal(stateOf(await services(...views.a), 'host-b'), 'up');
  const during = await Promise.all(Array.from({ length: 6 }, () => client.call<{ host: string }>({}, 'ping')));
  assert.ok(
    during.every((reply) => reply.host !== 'host-c'),
    'while cut off, calls are served by the others',
  );
  const cut = await cli('host-c');
  assert.notEqual(cut.exitCode, 0, 'a call for host-c alone cannot be answered while it is cut off');

  // Link back: host-c reconnects by itself and is up again; same processes.
  const linesBefore = c.lines.length;
  await ns.setLink(true);
  await c.waitForLine(
    (line) => c.lines.indexOf(line) >= linesBefore && /^AMQP connection back after/.test(String(line.msg)),
    30_000,
    'host-c reconnecting',
  );
  await until(
    'host-c up again for host-a and host-b',
    async () => stateOf(await services(...views.a), 'host-c') === 'up' && stateOf(await services(...views.b), 'host-c') === 'up',
    { timeoutMs: 15_000 },
  );
  const back = await cli('host-c');
  assert.equal(back.exitCode, 0, back.stderr);
  assert.equal((JSON.parse(back.stdout) as { host: string }).host, 'host-c');
  assert.deepEqual(childPids(c.pid), workerOfC, 'no restart: the same worker process');
  assert.ok(!c.lines.some((line) => line.msg === 'worker died unexpectedly'));
  t.diagnostic(`host-c marked down ${downAfter} ms after the cut (service_down_time ${DOWN_TIME_S} s)`);
});
