/**
 * The Notifier's messages as oslo builds them, read raw off the embedded transport: fields,
 * upper-case priority, routing key TOPIC.PRIORITY, the 2.0 envelope (messagingv2) or none
 * (messaging), the sanitized context, prepare(), several topics and drivers, log and noop.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Notifier } from '../../../src/notify/notifier.js';
import { PRIORITIES } from '../../../src/notify/priorities.js';
import { pythonUtcTimestamp } from '../../../src/notify/message.js';
import type { Delivery } from '../../../src/rpc/transports/transport.js';
import { inProcessBroker } from '../rpc/support/in-process.js';
import { quietFor, until } from '../../helpers/wait.js';

const broker = inProcessBroker();
after(() => broker.close());

/** Consume `topics` raw; returns the bodies received, by routing key, as they come. */
async function rawConsumer(topics: string[], exchange = 'openstack') {
  const transport = await broker.transport();
  const got: Array<{ topic: string; body: string }> = [];
  for (const topic of topics) {
    await transport.listenNotifications([{ exchange, topic }], undefined, (delivery: Delivery) => {
      got.push({ topic, body: delivery.body.toString('utf8') });
      delivery.ack();
    });
  }
  const received = (count: number): Promise<typeof got> =>
    until(`${count} notifications`, () => got.length >= count && got, { timeoutMs: 5000, intervalMs: 5 });
  return { got, received };
}

test('every priority goes to TOPIC.priority with oslo fields and the 2.0 envelope', async () => {
  const consumer = await rawConsumer(PRIORITIES.map((priority) => `notifications.${priority}`));
  const notifier = new Notifier(await broker.transport(), { publisherId: 'compute.host1', throwOnError: true });
  const ctx = { user_id: 'u1', project_id: 'p1', request_id: 'req-1', auth_token: 'SECRET', roles: ['admin'] };
  await notifier.audit(ctx, 'e.audit', { n: 0 });
  await notifier.debug(ctx, 'e.debug', { n: 1 });
  await notifier.info(ctx, 'e.info', { n: 2 });
  await notifier.warn(ctx, 'e.warn', { n: 3 });
  await notifier.warning(ctx, 'e.warning', { n: 4 });
  await notifier.error(ctx, 'e.error', { n: 5 });
  await notifier.critical(ctx, 'e.critical', { n: 6 });
  await notifier.sample(ctx, 'e.sample', { n: 7, text: 'ünïcødé ☃ 𝄞' });
  const got = await consumer.received(8);
  const byEvent = new Map(
    got.map(({ topic, body }) => {
      const envelope = JSON.parse(body) as Record<string, string>;
      assert.equal(envelope['oslo.version'], '2.0');
      const message = JSON.parse(envelope['oslo.message']!) as Record<string, unknown>;
      return [message.event_type as string, { topic, message }];
    }),
  );
  const expected: Array<[string, string, string]> = [
    ['e.audit', 'notifications.audit', 'AUDIT'],
    ['e.debug', 'notifications.debug', 'DEBUG'],
    ['e.info', 'notifications.info', 'INFO'],
    ['e.warn', 'notifications.warn', 'WARN'],
    ['e.warning', 'notifications.warn', 'WARN'],
    ['e.error', 'notifications.error', 'ERROR'],
    ['e.critical', 'notifications.critical', 'CRITICAL'],
    ['e.sample', 'notifications.sample', 'SAMPLE'],
  ];
  for (const [event, topic, priority] of expected) {
    const entry = byEvent.get(event);
    assert.ok(entry, `${event} arrived`);
    assert.equal(entry.topic, topic);
    const { message } = entry;
    assert.equal(message.priority, priority);
    assert.equal(message.publisher_id, 'compute.host1');
    assert.match(String(message.message_id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(String(message._unique_id), /^[0-9a-f]{32}$/);
    assert.match(String(message.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
    // oslo's _sanitize_context: the token never reaches the bus.
    assert.equal(message._context_auth_token, undefined);
    assert.equal(message._context_user_id, 'u1');
    assert.deepEqual(message._context_roles, ['admin']);
  }
  assert.deepEqual(byEvent.get('e.sample')!.message.payload, { n: 7, text: 'ünïcødé ☃ 𝄞' });
});

test('the messaging driver sends the 1.0 format: the message dict, no envelope', async () => {
  const consumer = await rawConsumer(['v1.info']);
  const notifier = new Notifier(await broker.transport(), { driver: 'messaging', topics: ['v1'], publisherId: 'p', throwOnError: true });
  await notifier.info({}, 'v1.event', [1, 2]);
  const { body } = (await consumer.received(1))[0]!;
  const message = JSON.parse(body) as Record<string, unknown>;
  assert.equal(message['oslo.version'], undefined);
  assert.equal(message.event_type, 'v1.event');
  assert.deepEqual(message.payload, [1, 2]);
});

test('several topics and drivers at once; prepare() changes publisher and keeps the drivers', async () => {
  const consumer = await rawConsumer(['t1.error', 't2.error']);
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }));
  const base = new Notifier(await broker.transport(), {
    driver: ['messagingv2', 'log', 'noop'],
    topics: ['t1', 't2'],
    publisherId: 'base',
    logger,
  });
  const prepared = base.prepare({ publisherId: 'other.host' });
  assert.equal(prepared.retry, base.retry);
  await prepared.error({}, 'multi.event', { ok: true, admin_password: 'hunter2', nested: { auth_token: 'tok' } });
  const got = await consumer.received(2);
  assert.deepEqual(got.map((entry) => entry.topic).sort(), ['t1.error', 't2.error']);
  for (const { body } of got) {
    const message = JSON.parse((JSON.parse(body) as Record<string, string>)['oslo.message']!) as Record<string, unknown>;
    assert.equal(message.publisher_id, 'other.host');
  }
  const logged = lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.notification === 'oslo.messaging.notification.multi.event');
  assert.ok(logged, 'the log driver wrote the notification');
  assert.equal(logged.level, 50);
  assert.equal((JSON.parse(String(logged.msg)) as Record<string, unknown>).publisher_id, 'other.host');
  assert.doesNotMatch(String(logged.msg), /hunter2|"tok"/);
  assert.deepEqual((JSON.parse(String(logged.msg)) as { payload: unknown }).payload, {
    ok: true,
    admin_password: '***',
    nested: { auth_token: '***' },
  });
});

test('noop only: nothing is sent and the notifier says it is disabled', async () => {
  const consumer = await rawConsumer(['quiet.info']);
  const notifier = new Notifier(undefined, { driver: 'noop', topics: ['quiet'] });
  assert.equal(notifier.enabled, false);
  await notifier.info({}, 'nothing', {});
  await quietFor('a notification from the noop driver', 100, () => consumer.got.length > 0);
  assert.equal(consumer.got.length, 0);
  assert.equal(new Notifier(undefined, { driver: [] }).enabled, false);
});

test('bad options are refused clearly; a failed send is logged, or rejected with throwOnError', async () => {
  assert.throws(() => new Notifier(undefined, { driver: 'routing' as never }), /unknown notification driver "routing"/);
  assert.throws(() => new Notifier(undefined, { driver: 'messaging' }), /needs a transport/);
  assert.throws(() => new Notifier(undefined, { driver: 'noop', retry: -2 }), /retry must be an integer >= -1/);
  const transport = await broker.transport();
  await transport.stop();
  await new Notifier(transport, {}).info({}, 'lost', {});
  await assert.rejects(new Notifier(transport, { throwOnError: true }).info({}, 'lost', {}), /closed/i);
});

test('timestamps are Python str(datetime.utcnow())', () => {
  assert.equal(pythonUtcTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67))), '2026-01-02 03:04:05.067000');
  assert.equal(pythonUtcTimestamp(new Date(Date.UTC(2026, 10, 27, 23, 59, 59, 0))), '2026-11-27 23:59:59');
});
