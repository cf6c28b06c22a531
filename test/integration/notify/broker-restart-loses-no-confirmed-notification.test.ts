/**
 * The broker's app stops and starts again while notifiers send in a loop (retry -1, as oslo's
 * default): with durable queues (amqp_durable_queues) and with quorum queues
 * (rabbit_quorum_queue) every notification whose send resolved (confirmed by the broker) is
 * still there afterwards, the sends in flight during the outage go through after the reconnect,
 * and sending goes on. Runs on a private broker so that stopping it disturbs no other test.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { NotificationListener } from '../../../src/notify/listener.js';
import { Notifier } from '../../../src/notify/notifier.js';
import { rabbit, startPrivateBroker, startTransport, uniqueTopic, withBroker } from '../../helpers/broker.js';
import { delay, until } from '../../helpers/wait.js';

const FAST = { rabbit_retry_interval: 0.2, rabbit_retry_backoff: 0.2, rabbit_interval_max: 1, rpc_response_timeout: 5 };

test('a broker restart while notifying loses no confirmed notification (durable and quorum queues)', { timeout: 120_000 }, async (t) => {
  if (!(await withBroker(t))) return;
  const { url, dir } = await startPrivateBroker(t, 'notify-restart');
  const kinds = [
    { name: 'durable', options: { ...FAST, amqp_durable_queues: true } },
    { name: 'quorum', options: { ...FAST, rabbit_quorum_queue: true } },
  ];
  const senders = await Promise.all(
    kinds.map(async (kind) => {
      const transport = await startTransport(t, url, kind.options);
      const topic = uniqueTopic(`restart-${kind.name}`);
      const notifier = new Notifier(transport, { topics: [topic], publisherId: 'restart.test', retry: -1, throwOnError: true });
      return { ...kind, transport, topic, notifier, confirmed: [] as number[], failed: 0 };
    }),
  );

  let running = true;
  const loops = senders.map(async (sender) => {
    for (let n = 0; running; n++) {
      try {
        await sender.notifier.info({}, 'restart.tick', n);
        sender.confirmed.push(n);
      } catch {
        sender.failed++;
      }
      await delay(5); // load pacing: a steady stream, not a busy loop
    }
  });
  t.after(async () => {
    running = false;
    await Promise.all(loops);
  });
  await until('notifications flowing', () => senders.every((sender) => sender.confirmed.length >= 20), { timeoutMs: 10_000 });

  const lost = senders.map((sender) => once(sender.transport, 'disconnected'));
  await rabbit(['stop_app'], dir);
  await Promise.all(lost);
  const atOutage = senders.map((sender) => sender.confirmed.length);
  const back = senders.map((sender) => once(sender.transport, 'connected'));
  await rabbit(['start_app'], dir);
  await Promise.all(back);
  await until('notifications flowing again', () => senders.every((sender, i) => sender.confirmed.length >= atOutage[i]! + 20), {
    timeoutMs: 20_000,
  });
  running = false;
  await Promise.all(loops);

  for (const sender of senders) {
    assert.equal(sender.failed, 0, `${sender.name}: with retry -1 no send fails`);
    const received = new Set<number>();
    const listener = new NotificationListener(
      sender.transport,
      [{ topic: sender.topic }],
      [{ info: (_c: unknown, _p: unknown, _e: unknown, payload: number) => void received.add(payload) }],
    );
    t.after(() => listener.stop());
    await listener.start();
    const last = sender.confirmed.at(-1)!;
    await until(`${sender.name}: every confirmed notification`, () => received.size >= sender.confirmed.length, { timeoutMs: 20_000 });
    const missing = sender.confirmed.filter((n) => !received.has(n));
    assert.deepEqual(missing, [], `${sender.name}: confirmed notifications missing after the restart`);
    assert.ok(received.has(last), `${sender.name}: the last one (${last}) arrived`);
  }
  const queues = JSON.parse(await rabbit(['list_queues'], dir)) as Array<{ name: string; durable: boolean; arguments: unknown[][] }>;
  const durable = queues.find((queue) => queue.name === `${senders[0]!.topic}.info`);
  const quorum = queues.find((queue) => queue.name === `${senders[1]!.topic}.info`);
  assert.equal(durable?.durable, true);
  assert.deepEqual(quorum?.arguments, [['x-queue-type', 'longstr', 'quorum']]);
});
