/**
 * Thousands of malformed bodies (random bytes, broken JSON and envelopes, unknown priorities,
 * hostile context keys, oversized bodies, an endpoint that throws) published straight to a
 * NotificationListener's queue over RabbitMQ: the listener stays up, drops them, and still
 * handles a good notification afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { connect } from 'amqplib';
import { NotificationListener } from '../../../src/notify/listener.js';
import { Notifier } from '../../../src/notify/notifier.js';
import { withBroker, startTransport, uniqueTopic } from '../../helpers/broker.js';
import { fuzzEnvelope, prng } from '../../helpers/fuzz-inputs.js';
import { until } from '../../helpers/wait.js';

const envelope = (message: unknown) => JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) });

function malformed(i: number, random: () => number): string | Buffer {
  const kinds: Array<() => string | Buffer> = [
    () => randomBytes(1 + (i % 64)),
    () => 'not json {',
    () => '[]',
    () => envelope({ priority: 'LOUD', event_type: 'x' }),
    () => envelope({ priority: ['INFO'] }),
    () => JSON.stringify({ 'oslo.version': '9.0', 'oslo.message': '{}' }),
    () => JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '{"priority": ' }),
    () => envelope({ priority: 'INFO', event_type: 'hostile', payload: 'throw', _context___proto__: { polluted: true }, _unique_id: 5 }),
    () => JSON.stringify({ priority: 'INFO', event_type: 'v1-hostile', payload: 'throw', publisher_id: { nested: true } }),
    () => 'x'.repeat(70 * 1024),
    () => fuzzEnvelope(random, i, 70 * 1024, 'reply_none'),
  ];
  return kinds[i % kinds.length]!();
}

test('a NotificationListener survives thousands of malformed notifications and still handles a good one', {
  timeout: 60_000,
}, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const topic = uniqueTopic('notify-fuzz');
  const transport = await startTransport(t, url);
  const good: unknown[] = [];
  let thrown = 0;
  const endpoint = {
    info: (_ctxt: unknown, _publisher: unknown, eventType: unknown, payload: unknown) => {
      if (payload === 'throw') {
        thrown++;
        throw new Error('endpoint bug');
      }
      if (eventType === 'after.fuzz') good.push(payload);
    },
  };
  const listener = new NotificationListener(transport, [{ topic }], [endpoint], { maxMessageBytes: 64 * 1024 });
  t.after(() => listener.stop());
  await listener.start();

  const model = await connect(url);
  t.after(() => model.close().catch(() => undefined));
  const channel = await model.createConfirmChannel();
  const random = prng(1717);
  const total = 2000;
  for (let i = 0; i < total; i++) {
    const body = malformed(i, random);
    channel.publish('openstack', `${topic}.info`, typeof body === 'string' ? Buffer.from(body) : body, {
      contentType: i % 3 === 0 ? 'text/plain' : 'application/json',
    });
  }
  await channel.waitForConfirms();
  await new Notifier(transport, { topics: [topic], throwOnError: true }).info({}, 'after.fuzz', 'still serving');
  await until('the good notification after the fuzz', () => good.length === 1, { timeoutMs: 30_000 });
  const stats = listener.stats;
  assert.equal(stats.received, total + 1);
  assert.ok(stats.dropped >= total * 0.6, `dropped ${stats.dropped} of ${total}`);
  assert.ok(thrown > 0, 'the throwing endpoint ran and the listener went on');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
