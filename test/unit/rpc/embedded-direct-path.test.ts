// The embedded transport's direct path (direct.ts): once the router told a caller the consumers
// behind a topic, its calls and their replies go straight between the workers. What must hold as
// through the router: competing consumers share a topic, unstarted work goes to another server when
// its server dies, a request given back is delivered again, a call to itself is served, casts and
// fanout stay the router's, and a worker that sends garbage loses only its connection.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { RpcClient } from '../../../src/rpc/client.js';
import { MessagingTimeout } from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import type { Delivery } from '../../../src/rpc/transports/transport.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';

const broker = inProcessBroker();
after(() => broker.close());
const peers = broker.peers!;

const publishes = (): number => broker.framesToRouter.get('publish') ?? 0;
const records = (type: string): number => peers.records.get(type) ?? 0;

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (condition()) return;
    await tick();
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function serve(topic: string, name: string, options: { prefetch?: number; executorPoolSize?: number } = {}) {
  const endpoint = new DemoEndpoint(name);
  const transport = await broker.transport({ prefetch: options.prefetch });
  const server = new RpcServer(transport, { topic, server: name }, [endpoint], { executorPoolSize: options.executorPoolSize });
  await server.start();
  after(() => server.stop());
  return { endpoint, transport, server };
}

/** A client whose route to `topic` is known: its first call went through the router and asked for it. */
async function client(topic: string, timeout = 5) {
  const rpc = new RpcClient(await broker.transport(), { topic, version: '1.3' }, { timeout });
  await rpc.call({}, 'echo', { value: 'first' });
  await tick();
  return rpc;
}

test('calls and replies go between the workers, none through the router; the topic is shared round-robin', async () => {
  await serve('direct', 'a');
  await serve('direct', 'b');
  const rpc = await client('direct');
  const [published, delivered, replied] = [publishes(), records('d'), records('r')];
  const names = [];
  for (let i = 0; i < 20; i++) names.push(await rpc.call({}, 'whoami'));
  assert.deepEqual(names.filter((name) => name === 'a').length, 10, `each server takes every other call: ${names.join(' ')}`);
  assert.equal(publishes() - published, 0, 'no call went through the router');
  assert.equal(records('d') - delivered, 20);
  assert.equal(records('r') - replied, 20);
  // Concurrent calls too, with their replies matched.
  const sums = await Promise.all(Array.from({ length: 40 }, (_, i) => rpc.call({}, 'add', { a: i, b: 1 })));
  assert.deepEqual(
    sums,
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  assert.equal(publishes() - published, 0);
});

test('a call to a server of the same transport is handed over in the process', async () => {
  const { transport } = await serve('self', 'me');
  const rpc = new RpcClient(transport, { topic: 'self', version: '1.3' }, { timeout: 5 });
  assert.equal(await rpc.call({}, 'whoami'), 'me');
  await tick();
  const [published, delivered] = [publishes(), records('d')];
  for (let i = 0; i < 10; i++) assert.equal(await rpc.call({}, 'whoami'), 'me');
  assert.equal(publishes() - published, 0);
  assert.equal(records('d') - delivered, 0);
});

test('unstarted calls sent directly to a server that dies go to another server; the started one is lost (at-most-once)', async () => {
  const dying = await serve('requeue-direct', 'dying', { prefetch: 5, executorPoolSize: 1 });
  const rpc = await client('requeue-direct', 1);
  const delivered = records('d');
  const first = rpc.call({}, 'blocked');
  const firstFailed = assert.rejects(first, MessagingTimeout);
  await once(dying.endpoint.events, 'blocked');
  const waiting = [rpc.call({}, 'whoami'), rpc.call({}, 'whoami')];
  await until(() => dying.server.stats.waiting === 2, 'two calls waiting in the dying server');
  assert.equal(records('d') - delivered, 3, 'the three calls went directly');

  broker.detach(dying.transport);
  await serve('requeue-direct', 'survivor');
  assert.deepEqual(await Promise.all(waiting), ['survivor', 'survivor']);
  await firstFailed;
  dying.endpoint.openGate();
});

test('a request a consumer gives back is delivered again, through the router', async () => {
  const transports = [await broker.transport(), await broker.transport()];
  const got: string[][] = [[], []];
  const target = { topic: 'give-back', exchange: 'openstack', server: 'x' } as const;
  const listeners = await Promise.all(
    transports.map((transport, i) =>
      transport.listen({ ...target, server: `s${i}` }, (delivery: Delivery) => {
        got[i]!.push(String(delivery.body));
        // The first consumer gives everything back; the second takes it.
        if (i === 0) delivery.requeue();
        else delivery.ack();
      }),
    ),
  );
  after(() => Promise.all(listeners.map((listener) => listener.stop())));
  const caller = await broker.transport();
  const publish = (body: string) =>
    caller.publish({ target: { topic: 'give-back', exchange: 'openstack' }, body, mandatory: true, confirmLate: true });
  await publish('"warm"');
  await until(() => got[1]!.includes('"warm"'), 'the first message taken');
  await tick();
  const delivered = records('d');
  for (let i = 0; i < 6; i++) await publish(`"m${i}"`);
  await until(() => got[1]!.filter((body) => body.startsWith('"m')).length === 6, 'every message taken by the second consumer');
  assert.ok(records('d') - delivered >= 6, 'they went directly');
  assert.ok(
    got[0]!.some((body) => body.startsWith('"m')),
    'the first consumer had some and gave them back',
  );
  assert.deepEqual(got[1]!.filter((body) => body.startsWith('"m')).sort(), ['"m0"', '"m1"', '"m2"', '"m3"', '"m4"', '"m5"']);
});

test("a caller's prefetch share bounds what it sends a server directly; the rest waits at the router", async () => {
  const slow = await serve('bounded-direct', 'slow', { prefetch: 2, executorPoolSize: 1 });
  const rpc = await client('bounded-direct');
  const [published, delivered] = [publishes(), records('d')];
  const calls = Array.from({ length: 8 }, () => rpc.call({}, 'blocked'));
  await until(() => publishes() - published + records('d') - delivered === 8, 'every call sent');
  // Sent in one turn: as many as the prefetch went directly, the router took the rest and
  // delivers within its own prefetch: the server holds 2 + 2, one of them started.
  assert.equal(records('d') - delivered, 2);
  assert.equal(publishes() - published, 6);
  await until(() => slow.server.stats.waiting === 3, 'the router delivered its prefetch');
  for (let i = 0; i < 50; i++) await tick();
  assert.equal(slow.server.stats.waiting, 3, 'and no more');
  slow.endpoint.openGate();
  assert.deepEqual(await Promise.all(calls), Array(8).fill('slow'));
});

test('casts and fanout casts go through the router', async () => {
  const servers = [await serve('casts', 'c1'), await serve('casts', 'c2')];
  const rpc = await client('casts');
  const published = publishes();
  const heard = servers.map(({ endpoint }) => once(endpoint.events, 'notify'));
  await rpc.prepare({ fanout: true }).cast({}, 'notify', { n: 1 });
  await Promise.all(heard);
  await rpc.cast({}, 'echo', { value: 1 });
  assert.equal(publishes() - published, 2);
});

test('a worker that sends a malformed record loses its connection; the server serves on', async () => {
  const target = await serve('garbage', 'g');
  const rpc = await client('garbage');
  const intruder = peers.network();
  await intruder.listen(() => undefined);
  const connection = await intruder.connect(broker.addressOf(target.transport)!);
  const closed = new Promise<void>((resolve) => connection.onClose(resolve));
  connection.write('x not a record\n');
  await closed;
  assert.equal(await rpc.call({}, 'whoami'), 'g');
});
