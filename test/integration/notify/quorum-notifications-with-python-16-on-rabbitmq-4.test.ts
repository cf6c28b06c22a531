/**
 * On the RabbitMQ 4 broker (configured as 4.3 ships: transient non-exclusive queues refused), with
 * rabbit_quorum_queue, a delivery limit and enable_cancel_on_failover on both sides (one INI): the trixie root's Python oslo.messaging 16.1 and we declare
 * the same quorum notification queues (no 406) and notifications go both ways, a pool included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotificationListener } from '../../../src/notify/listener.js';
import { Notifier } from '../../../src/notify/notifier.js';
import { rabbit, startTransport, uniqueTopic, withRabbitmq4 } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';
import { sideAvailable } from './interop-suite.js';
import { pythonNotify, startPythonListener } from './support.js';

const SIDE = 'oslo.messaging 16.1';
// Quorum queues with a delivery limit, and consumers cancelled on failover: the same INI for both.
const CONF = '[oslo_messaging_rabbit]\nrabbit_quorum_queue = true\nrabbit_quorum_delivery_limit = 5\nenable_cancel_on_failover = true\n';

test('quorum notification queues shared with Python oslo.messaging 16.1 on RabbitMQ 4, both ways', { timeout: 90_000 }, async (t) => {
  const url = await withRabbitmq4(t);
  if (!url) return;
  const missing = sideAvailable(SIDE);
  if (missing) {
    t.skip(missing.skip);
    return;
  }
  const transport = await startTransport(t, url, {
    rabbit_quorum_queue: true,
    rabbit_quorum_delivery_limit: 5,
    enable_cancel_on_failover: true,
  });
  const topic = uniqueTopic('rmq4-notify');

  // Python listens (declaring TOPIC.info as quorum), we send.
  const python = await startPythonListener(t, SIDE, url, { topics: [topic], priorities: ['info', 'error'] }, CONF);
  const notifier = new Notifier(transport, { publisherId: 'node.rmq4', topics: [topic], throwOnError: true });
  await notifier.info({ request_id: 'req-q' }, 'quorum.info', { n: 1, text: 'ünï' });
  await notifier.error({}, 'quorum.error', { n: 2 });
  await python.waitEvent((event) => event.event === 'notification' && (event.payload as { n: number }).n === 2, 20_000);
  const fromUs = python.events.filter((event) => event.event === 'notification');
  assert.deepEqual(
    fromUs.map((event) => [event.priority, event.publisher_id, (event.payload as { n: number }).n]),
    [
      ['info', 'node.rmq4', 1],
      ['error', 'node.rmq4', 2],
    ],
  );

  // Python sends, our default listener and a pool receive.
  const seen: unknown[] = [];
  const pooled: unknown[] = [];
  for (const [sink, pool] of [
    [seen, undefined],
    [pooled, `${topic}-pool`],
  ] as const) {
    const listener = new NotificationListener(
      transport,
      [{ topic }],
      [{ warn: (_c: unknown, _p: unknown, _e: unknown, payload: unknown) => void sink.push(payload) }],
      { pool },
    );
    t.after(() => listener.stop());
    await listener.start();
  }
  await pythonNotify(
    SIDE,
    url,
    [{ priority: 'warning', topics: [topic], publisher_id: 'py.rmq4', event_type: 'quorum.warn', payload: { n: 3 } }],
    CONF,
  );
  await until('the Python notification at both listeners', () => seen.length === 1 && pooled.length === 1, { timeoutMs: 20_000 });
  assert.deepEqual([seen[0], pooled[0]], [{ n: 3 }, { n: 3 }]);

  const consumers = JSON.parse(await rabbit(['--rabbitmq4', 'list_consumers'])) as Array<{ queue_name: string; arguments: unknown[][] }>;
  const ours = consumers.filter((row) => row.queue_name === `${topic}-pool`);
  assert.equal(ours.length, 1, 'our pool listener consumes its queue');
  assert.deepEqual(ours[0]!.arguments, [['x-cancel-on-ha-failover', 'bool', true]], "with oslo's consumer argument");
  const queues = JSON.parse(await rabbit(['--rabbitmq4', 'list_queues'])) as Array<{
    name: string;
    durable: boolean;
    arguments: unknown[][];
  }>;
  for (const name of [`${topic}.info`, `${topic}.warn`, `${topic}-pool`]) {
    const queue = queues.find((row) => row.name === name);
    assert.ok(queue, `queue ${name} exists`);
    assert.equal(queue.durable, true);
    // The order is the first declarer's (Python's or ours); RabbitMQ compares them as a table.
    const args = [...queue.arguments].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    assert.deepEqual(
      args,
      [
        ['x-delivery-limit', 'signedint', 5],
        ['x-queue-type', 'longstr', 'quorum'],
      ],
      `${name} is a quorum queue with the limit`,
    );
  }
});
