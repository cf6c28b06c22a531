/**
 * Acks made in one turn leave together (ack-batch.ts): one basic.ack with `multiple` for the
 * deliveries below the oldest unsettled one, single acks past it. The broker must see exactly
 * the deliveries acked: one held back (waiting for an executor slot, say) or rejected in
 * between is neither acked nor lost, and comes back after the connection closes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'amqplib';
import { heldDeliveries, withBroker } from '../../helpers/broker.js';
import { quietFor, until } from '../../helpers/wait.js';

const COUNT = 10;
const HELD = [3, 4, 7];
const REJECTED = [8];

test('acks of one turn settle exactly the acked deliveries, around held and rejected ones', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const { topic, server, held: got } = await heldDeliveries(t, brokerUrl, 'ack-batch', COUNT);
  assert.deepEqual(
    got.map((d) => Number(d.body.toString())),
    [...Array(COUNT).keys()],
    'delivered in publish order',
  );

  // All in one turn, out of order: the batch must not cover 3, 4 and 7, nor ack 8.
  for (const i of [9, 0, 2, 1, 5, 6]) got[i]!.ack();
  for (const i of REJECTED) got[i]!.reject();
  // The server's stop cancels its consumers on the channel that carries the acks (the broker
  // has taken them by its reply), then closes the connection: what was not acked is requeued.
  await server.stop();

  const model = await connect(brokerUrl);
  t.after(() => model.close().catch(() => undefined));
  const channel = await model.createChannel();
  const again: number[] = [];
  await channel.consume(
    topic,
    (message) => {
      if (message) again.push(Number(message.content.toString()));
    },
    { noAck: true },
  );
  await until('the held deliveries back', () => again.length >= HELD.length, { timeoutMs: 5000 });
  // Anything acked by mistake would be missing; anything not acked would come back too.
  await quietFor('a delivery beyond the held ones', 300, () => again.length > HELD.length);
  assert.deepEqual(
    again.sort((a, b) => a - b),
    HELD,
  );
});
