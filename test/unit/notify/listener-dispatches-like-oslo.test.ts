/**
 * NotificationListener over the embedded transport: endpoints per priority, a filter, two pools
 * (each gets every notification; members of a pool share), REQUEUE only when allowed, a throwing
 * endpoint, the batch listener by size and by timeout, and a fuzz of bad bodies that never stops
 * the listener.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BatchNotificationListener, NotificationListener } from '../../../src/notify/listener.js';
import { NotificationFilter } from '../../../src/notify/filter.js';
import { NotificationResult, type NotificationRecord } from '../../../src/notify/dispatcher.js';
import { Notifier } from '../../../src/notify/notifier.js';
import { encodeEnvelope } from '../../../src/rpc/envelope.js';
import type { Transport } from '../../../src/rpc/transports/transport.js';
import { fuzzEnvelope, prng } from '../../helpers/fuzz-inputs.js';
import { inProcessBroker } from '../rpc/support/in-process.js';
import { quietFor, until } from '../../helpers/wait.js';

const broker = inProcessBroker();
after(() => broker.close());

/** In-process deliveries: look often, give up soon. */
const SOON = { timeoutMs: 5000, intervalMs: 5 };

type Seen = { priority: string; publisher: unknown; event: unknown; payload: unknown; ctxt: unknown; metadata: unknown };

class Recorder {
  readonly seen: Seen[] = [];
  constructor(readonly priorities: string[] = ['info', 'error']) {
    for (const priority of priorities) {
      (this as unknown as Record<string, unknown>)[priority] = (
        ctxt: unknown,
        publisher: unknown,
        event: unknown,
        payload: unknown,
        metadata: unknown,
      ) => {
        this.seen.push({ priority, publisher, event, payload, ctxt, metadata });
      };
    }
  }
}

async function notifier(topic: string, publisherId = 'test.host'): Promise<Notifier> {
  return new Notifier(await broker.transport(), { topics: [topic], publisherId, throwOnError: true });
}

test('endpoints get their priorities with context, publisher, event, payload and metadata', async () => {
  const endpoint = new Recorder(['info', 'error']);
  const listener = new NotificationListener(await broker.transport(), [{ topic: 'n1' }], [endpoint]);
  after(() => listener.stop());
  await listener.start();
  const sender = await notifier('n1');
  await sender.info({ user_id: 'u' }, 'thing.create', { id: 1, name: 'ñ' });
  await sender.error({}, 'thing.fail', 'boom');
  await sender.warn({}, 'thing.warn', 'no endpoint for warn: never consumed');
  await until('two notifications', () => endpoint.seen.length === 2, SOON);
  const [info, error] = endpoint.seen;
  assert.deepEqual(
    { ...info, metadata: undefined },
    {
      priority: 'info',
      publisher: 'test.host',
      event: 'thing.create',
      payload: { id: 1, name: 'ñ' },
      ctxt: { user_id: 'u' },
      metadata: undefined,
    },
  );
  assert.match(String((info!.metadata as { message_id: string }).message_id), /^[0-9a-f-]{36}$/);
  assert.equal(error!.payload, 'boom');
});

test('a filter screens what an endpoint gets (re.match: anchored at the start only)', async () => {
  const all = new Recorder(['info']);
  const filtered = Object.assign(new Recorder(['info']), {
    filterRule: new NotificationFilter({
      publisherId: '^compute',
      eventType: 'instance\\.',
      payload: { state: 'act' },
      context: { project_id: 'p1$' },
    }),
  });
  const listener = new NotificationListener(await broker.transport(), [{ topic: 'n2' }], [all, filtered]);
  after(() => listener.stop());
  await listener.start();
  await (await notifier('n2', 'compute.h1')).info({ project_id: 'p1' }, 'instance.create', { state: 'active' });
  await (await notifier('n2', 'network.h1')).info({ project_id: 'p1' }, 'instance.create', { state: 'active' });
  await (await notifier('n2', 'compute.h1')).info({ project_id: 'p1' }, 'x.instance.create', { state: 'active' });
  await (await notifier('n2', 'compute.h1')).info({ project_id: 'p1' }, 'instance.delete', { state: 'deleted' });
  await (await notifier('n2', 'compute.h1')).info({ project_id: 'p12' }, 'instance.create', { state: 'active' });
  await (await notifier('n2', 'compute.h1')).info({ project_id: 'p1' }, 'instance.create', { other: 1 });
  await until('six notifications', () => all.seen.length === 6, SOON);
  assert.deepEqual(
    filtered.seen.map((seen) => [seen.publisher, seen.event]),
    [['compute.h1', 'instance.create']],
  );
});

test('two pools each get every notification once; members of one pool share them', async () => {
  const a1 = new Recorder(['info']);
  const a2 = new Recorder(['info']);
  const b = new Recorder(['info']);
  for (const [endpoint, pool] of [
    [a1, 'pool-a'],
    [a2, 'pool-a'],
    [b, 'pool-b'],
  ] as const) {
    const listener = new NotificationListener(await broker.transport(), [{ topic: 'n3' }], [endpoint], { pool });
    after(() => listener.stop());
    await listener.start();
  }
  const sender = await notifier('n3');
  for (let i = 0; i < 20; i++) await sender.info({}, 'pooled', i);
  await until('both pools', () => a1.seen.length + a2.seen.length === 20 && b.seen.length === 20, SOON);
  assert.ok(a1.seen.length > 0 && a2.seen.length > 0, 'both members of pool-a got some');
  assert.deepEqual(
    [...a1.seen, ...a2.seen].map((seen) => seen.payload).sort((x, y) => Number(x) - Number(y)),
    Array.from({ length: 20 }, (_, i) => i),
  );
  await quietFor('a notification twice in pool-a', 50, () => a1.seen.length + a2.seen.length !== 20, { intervalMs: 5 });
  assert.equal(a1.seen.length + a2.seen.length, 20, 'no notification twice in a pool');
});

test('REQUEUE redelivers only with allowRequeue; a throwing endpoint counts as REQUEUE', async () => {
  let calls = 0;
  const flaky = { info: () => (++calls < 3 ? NotificationResult.REQUEUE : NotificationResult.HANDLED) };
  const listener = new NotificationListener(await broker.transport(), [{ topic: 'n4' }], [flaky], { allowRequeue: true });
  after(() => listener.stop());
  await listener.start();
  await (await notifier('n4')).info({}, 'retry.me', {});
  await until('three deliveries', () => calls === 3, SOON);
  assert.equal(listener.stats.requeued, 2);

  let thrown = 0;
  const throwing = {
    info: () => {
      thrown++;
      throw new Error('endpoint bug');
    },
  };
  const noRequeue = new NotificationListener(await broker.transport(), [{ topic: 'n5' }], [throwing]);
  after(() => noRequeue.stop());
  await noRequeue.start();
  await (await notifier('n5')).info({}, 'once', {});
  await until('acked despite the throw', () => noRequeue.stats.handled === 1, SOON);
  await quietFor('a redelivery without allowRequeue', 50, () => thrown !== 1, { intervalMs: 5 });
  assert.equal(thrown, 1, 'not requeued without allowRequeue');
});

// batchTimeoutSeconds, and the deprecated batchTimeout and batch.timeout: the same seconds.
const batchListeners: [string, (transport: Transport, topic: string, endpoint: object) => NotificationListener][] = [
  [
    'batchTimeoutSeconds',
    (transport, topic, endpoint) =>
      new BatchNotificationListener(transport, [{ topic }], [endpoint], { batchSize: 5, batchTimeoutSeconds: 0.2 }),
  ],
  [
    'batchTimeout',
    (transport, topic, endpoint) => new BatchNotificationListener(transport, [{ topic }], [endpoint], { batchSize: 5, batchTimeout: 0.2 }),
  ],
  [
    'batch.timeout',
    (transport, topic, endpoint) => new NotificationListener(transport, [{ topic }], [endpoint], { batch: { size: 5, timeout: 0.2 } }),
  ],
];
for (const [name, make] of batchListeners) {
  test(`the batch listener hands lists by size, and a partial batch after the timeout (${name})`, async () => {
    const batches: NotificationRecord[][] = [];
    const endpoint = { info: (records: NotificationRecord[]) => void batches.push(records) };
    const topic = `n6-${name}`;
    const listener = make(await broker.transport(), topic, endpoint);
    after(() => listener.stop());
    await listener.start();
    const sender = await notifier(topic);
    for (let i = 0; i < 12; i++) await sender.info({}, 'batched', i);
    await until('twelve in batches', () => batches.flat().length === 12, SOON);
    assert.deepEqual(
      batches.map((batch) => batch.length),
      [5, 5, 2],
    );
    assert.deepEqual(
      batches.flat().map((record) => record.payload),
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.equal(batches[0]![0]!.publisher_id, 'test.host');
  });
}

test('bad bodies are dropped and the listener keeps serving (fuzz)', async () => {
  const endpoint = new Recorder(['info']);
  const listener = new NotificationListener(await broker.transport(), [{ topic: 'n7' }], [endpoint], { maxMessageBytes: 64 * 1024 });
  after(() => listener.stop());
  await listener.start();
  const raw = await broker.transport();
  const random = prng(17);
  const bodies: string[] = [
    'not json',
    '[]',
    'null',
    encodeEnvelope({ priority: 'LOUD' }),
    encodeEnvelope({ priority: 5 }),
    encodeEnvelope({}),
    JSON.stringify({ 'oslo.version': '3.0', 'oslo.message': '{}' }),
    encodeEnvelope({ priority: 'INFO', _context___proto__: { polluted: true } }),
  ];
  for (let n = 0; n < 200; n++) {
    const body = fuzzEnvelope(random, n, 100 * 1024, 'reply_x');
    bodies.push(typeof body === 'string' ? body : body.toString('utf8'));
  }
  for (const body of bodies) await raw.publishNotification({ exchange: 'openstack', topic: 'n7.info', body });
  await (await notifier('n7')).info({}, 'after.fuzz', 'still alive');
  await until('the good notification after the fuzz', () => endpoint.seen.some((seen) => seen.event === 'after.fuzz'), SOON);
  assert.ok(listener.stats.dropped >= 5, `dropped ${listener.stats.dropped}`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a duplicate _unique_id is acked and skipped; bad listener arguments are refused', async () => {
  const endpoint = new Recorder(['info']);
  const listener = new NotificationListener(await broker.transport(), [{ topic: 'n8' }], [endpoint]);
  after(() => listener.stop());
  await listener.start();
  const raw = await broker.transport();
  const body = encodeEnvelope({ priority: 'INFO', event_type: 'dup', payload: 1, _unique_id: 'f'.repeat(32) });
  await raw.publishNotification({ exchange: 'openstack', topic: 'n8.info', body });
  await until('the first copy', () => endpoint.seen.length === 1, SOON);
  await raw.publishNotification({ exchange: 'openstack', topic: 'n8.info', body });
  await until('the duplicate', () => listener.stats.duplicates === 1, SOON);
  assert.equal(endpoint.seen.length, 1);
  const transport = await broker.transport();
  assert.throws(() => new NotificationListener(transport, [], [endpoint]), /at least one target/);
  assert.throws(() => new NotificationListener(transport, [{ topic: 'x' }], [{}]), /no endpoint has a method/);
  assert.throws(() => new NotificationListener(transport, [{ topic: 'x' }], [endpoint], { pool: '' }), /pool must not be empty/);
});

test('the listener follows the lifecycle contract: its state, and stop({ timeoutMs }) bounding a slow endpoint', async () => {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = 0;
  const listener = new NotificationListener(await broker.transport(), [{ topic: 'n-lifecycle' }], [{ info: () => (started++, gate) }]);
  assert.equal(listener.state, 'new');
  await listener.start();
  assert.equal(listener.state, 'running');
  await (await notifier('n-lifecycle')).info({}, 'thing.slow', {});
  await until('the endpoint to start', () => started === 1, SOON);
  await assert.rejects(listener.stop({ timeoutMs: 20 }), { name: 'StopTimeoutError' });
  assert.equal(listener.state, 'stopping');
  release();
  await listener.stop();
  assert.equal(listener.state, 'stopped');
});
