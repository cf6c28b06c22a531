/**
 * Notifications both ways between us and a Python oslo.messaging peer on one RabbitMQ, run for
 * each Python version by the *.test.ts files next to this one.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { NotificationFilter } from '../../../src/notify/filter.js';
import { BatchNotificationListener, NotificationListener } from '../../../src/notify/listener.js';
import { Notifier } from '../../../src/notify/notifier.js';
import { PRIORITIES } from '../../../src/notify/priorities.js';
import { NotificationResult, type NotificationRecord } from '../../../src/notify/dispatcher.js';
import { startTransport, uniqueTopic } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';
import { peerCommand, pythonNotify, startPythonListener, type PythonSide } from './support.js';

type Seen = { priority: string; ctxt: unknown; publisher: unknown; event: unknown; payload: unknown; metadata: unknown };

function recorder(priorities: readonly string[] = PRIORITIES): { seen: Seen[] } & Record<string, unknown> {
  const endpoint: { seen: Seen[] } & Record<string, unknown> = { seen: [] };
  for (const priority of priorities) {
    endpoint[priority] = (ctxt: unknown, publisher: unknown, event: unknown, payload: unknown, metadata: unknown) => {
      endpoint.seen.push({ priority, ctxt, publisher, event, payload, metadata });
    };
  }
  return endpoint;
}

async function listen(t: TestContext, listener: NotificationListener): Promise<void> {
  t.after(() => listener.stop());
  await listener.start();
}

const UNICODE = ['ünïcødé', '日本語のテキスト', 'emoji 🎉🚀', 'ℝ∑∫ ☃ 𝄞', 'Ελληνικά', 'עברית', '\u0000nul and "quotes" \\ slash'];

/** A Python Notifier sends every priority (and a v1 message); our listeners, filter, pools, requeue and batch get them. */
export async function pythonNotifierToOurListeners(t: TestContext, side: PythonSide, url: string): Promise<void> {
  const topic = uniqueTopic('py-notify');
  const batchTopic = `${topic}-batch`;
  const transport = await startTransport(t, url);
  const all = recorder();
  const filtered = Object.assign(recorder(), {
    filterRule: new NotificationFilter({ publisherId: '^compute\\.', eventType: 'instance\\.(create|delete)' }),
  });
  await listen(t, new NotificationListener(transport, [{ topic }], [all, filtered]));
  const pools = { a: recorder(), b: recorder() };
  for (const [name, endpoint] of Object.entries(pools)) {
    await listen(t, new NotificationListener(transport, [{ topic }], [endpoint], { pool: `${topic}-pool-${name}` }));
  }
  // A pool whose endpoint asks for every notification once more: RabbitMQ redelivers it.
  const requeued = new Set<unknown>();
  const afterRequeue: unknown[] = [];
  const requeuer = {
    critical: (_c: unknown, _p: unknown, _e: unknown, _payload: unknown, metadata: { message_id: unknown }) => {
      if (!requeued.has(metadata.message_id)) {
        requeued.add(metadata.message_id);
        return NotificationResult.REQUEUE;
      }
      afterRequeue.push(metadata.message_id);
      return NotificationResult.HANDLED;
    },
  };
  await listen(t, new NotificationListener(transport, [{ topic }], [requeuer], { pool: `${topic}-requeue`, allowRequeue: true }));
  const batches: NotificationRecord[][] = [];
  await listen(
    t,
    new BatchNotificationListener(
      transport,
      [{ topic: batchTopic }],
      [{ info: (records: NotificationRecord[]) => void batches.push(records) }],
      { batchSize: 4, batchTimeoutSeconds: 1 },
    ),
  );

  const ops = PRIORITIES.map((priority, i) => ({
    priority: priority === 'warn' ? 'warning' : priority,
    topics: [topic],
    publisher_id: i % 2 === 0 ? `compute.host${i}` : `network.host${i}`,
    event_type: i % 3 === 0 ? 'instance.create' : `volume.${priority}`,
    payload: { i, text: UNICODE[i], nested: { list: [1, 'ü', null] } },
    ctxt: { user_id: 'ü-user', project_id: 'p1', request_id: `req-${i}`, auth_token: 'SECRET' },
  }));
  ops.push({
    priority: 'info',
    topics: [topic],
    publisher_id: 'compute.v1',
    event_type: 'instance.delete',
    payload: { i: 7, text: 'v1 ✓', nested: { list: [] } },
    ctxt: { user_id: 'v1', project_id: 'p1', request_id: 'req-v1', auth_token: 'x' },
    driver: 'messaging',
  } as (typeof ops)[number]);
  for (let i = 0; i < 6; i++)
    ops.push({
      priority: 'info',
      topics: [batchTopic],
      publisher_id: 'batcher',
      event_type: 'batch.event',
      payload: { i, text: `b${i}`, nested: { list: [] } },
      ctxt: { user_id: 'b', project_id: 'p', request_id: `req-b${i}`, auth_token: 'x' },
    });
  await pythonNotify(side, url, ops);

  await until(
    'every notification at every listener',
    () => all.seen.length === 8 && pools.a.seen.length === 8 && pools.b.seen.length === 8 && batches.flat().length === 6,
    { timeoutMs: 20_000 },
  );
  const byIndex = new Map(all.seen.map((seen) => [(seen.payload as { i: number }).i, seen]));
  PRIORITIES.forEach((priority, i) => {
    const seen = byIndex.get(i)!;
    assert.equal(seen.priority, priority);
    assert.equal(seen.payload && (seen.payload as { text: string }).text, UNICODE[i]);
    const ctxt = seen.ctxt as Record<string, unknown>;
    // A RequestContext's dict: oslo.context names the user `user` (and `user_id` in newer versions).
    assert.deepEqual([ctxt.user_id ?? ctxt.user, ctxt.project_id, ctxt.request_id], ['ü-user', 'p1', `req-${i}`]);
    assert.ok(ctxt.auth_token === undefined || ctxt.auth_token === null, 'the token never crosses the bus');
    assert.match(String((seen.metadata as { timestamp: string }).timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  });
  assert.equal(byIndex.get(7)!.publisher, 'compute.v1', 'the v1 (messaging driver) notification arrived');
  assert.deepEqual(
    filtered.seen.map((seen) => (seen.payload as { i: number }).i).sort(),
    [0, 6, 7],
    'compute.* with instance.create/delete only',
  );
  for (const pool of Object.values(pools)) {
    assert.deepEqual(pool.seen.map((seen) => (seen.payload as { i: number }).i).sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  }
  await until('the requeued critical notification handled the second time', () => afterRequeue.length === 1, { timeoutMs: 10_000 });
  assert.deepEqual([...requeued], afterRequeue, 'our listener requeued it and got it again');
  assert.deepEqual(
    batches.flat().map((record) => (record.payload as { i: number }).i),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal(batches[0]!.length, 4, 'a full batch of batchSize');
}

/** Our Notifier (v1 and v2 drivers, every priority) to a Python listener, with requeue; and to a Python batch listener. */
export async function ourNotifierToPythonListener(t: TestContext, side: PythonSide, url: string): Promise<void> {
  const topic = uniqueTopic('node-notify');
  const transport = await startTransport(t, url);
  const python = await startPythonListener(t, side, url, {
    topics: [topic],
    priorities: [...PRIORITIES],
    allow_requeue: true,
    requeue_first: 1,
  });
  const batchTopic = `${topic}-batch`;
  const pyBatch = await startPythonListener(t, side, url, { topics: [batchTopic], priorities: ['info'], batch_size: 3, batch_timeout: 2 });
  const v2 = new Notifier(transport, { publisherId: 'node.host', topics: [topic], throwOnError: true });
  const v1 = new Notifier(transport, { driver: 'messaging', publisherId: 'node.v1', topics: [topic], throwOnError: true });
  const ctx = { user_id: 'ü', project_id: 'p', request_id: 'req-node', auth_token: 'SECRET' };
  for (const [i, priority] of PRIORITIES.entries()) await v2.notify(ctx, `node.${priority}`, { i, text: UNICODE[i] }, priority);
  await v1.info(ctx, 'node.v1', { i: 7, text: 'v1 ✓' });
  await v2.warning(ctx, 'node.warning', { i: 8, text: 'warning() is WARN' });
  const toBatch = new Notifier(transport, { publisherId: 'node.batch', topics: [batchTopic], throwOnError: true });
  for (let i = 0; i < 5; i++) await toBatch.info(ctx, 'node.batch', { i });

  await until(
    'nine notifications at the Python listener',
    () => python.events.filter((event) => event.event === 'notification').length === 9,
    { timeoutMs: 20_000 },
  );
  const got = python.events.filter((event) => event.event === 'notification');
  const byIndex = new Map(got.map((event) => [(event.payload as { i: number }).i, event]));
  for (const [i, priority] of PRIORITIES.entries()) {
    const event = byIndex.get(i)!;
    assert.equal(event.priority, priority);
    assert.equal(event.event_type, `node.${priority}`);
    assert.equal(event.publisher_id, 'node.host');
    assert.equal((event.payload as { text: string }).text, UNICODE[i]);
    // oslo's listener adds `client_timeout` (its RPC `_timeout` leak) to every context.
    assert.deepEqual(
      { ...(event.ctxt as object), client_timeout: undefined },
      { user_id: 'ü', project_id: 'p', request_id: 'req-node', client_timeout: undefined },
    );
    assert.match(String((event.metadata as { message_id: string }).message_id), /^[0-9a-f-]{36}$/);
  }
  assert.equal(byIndex.get(7)!.publisher_id, 'node.v1');
  assert.equal(byIndex.get(8)!.priority, 'warn');
  const requeued = python.events.filter((event) => event.event === 'requeued');
  assert.equal(requeued.length, 1, 'the Python listener requeued one notification');
  assert.ok(byIndex.has((requeued[0]!.payload as { i: number }).i), 'and got it again');

  await until(
    'five notifications in Python batches',
    () => pyBatch.events.filter((event) => event.event === 'batch').flatMap((event) => event.notifications as unknown[]).length === 5,
    { timeoutMs: 20_000 },
  );
  const pyBatches = pyBatch.events
    .filter((event) => event.event === 'batch')
    .map((event) => (event.notifications as Array<{ payload: { i: number } }>).map((n) => n.payload.i));
  assert.deepEqual(pyBatches.flat(), [0, 1, 2, 3, 4]);
  assert.deepEqual(pyBatches[0], [0, 1, 2]);
}

/** Whether `side` can run here; in CI a missing trixie root fails (peerCommand throws). */
export function sideAvailable(side: PythonSide): { skip: string } | undefined {
  const peer = peerCommand(side, []);
  return 'skip' in peer ? peer : undefined;
}
