/**
 * The acks of one turn go out as one basic.ack with `multiple` when nothing older is unsettled,
 * and one by one past an unsettled delivery (test/integration/amqp/acks-of-one-turn-go-out-together.test.ts
 * checks the same against RabbitMQ).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Channel } from 'amqplib';
import { AckBatch } from '../../../src/rpc/transports/amqp/ack-batch.js';

/** The basic.ack frames a channel was asked to send, as [tag, multiple]. */
function recordingChannel(): { channel: Channel; acks: [number, boolean][] } {
  const acks: [number, boolean][] = [];
  const channel = {
    ack: (message: { fields: { deliveryTag: number } }, multiple: boolean) => acks.push([message.fields.deliveryTag, multiple]),
  };
  return { channel: channel as unknown as Channel, acks };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('acks of one turn with nothing older unsettled become one multiple ack', async () => {
  const { channel, acks } = recordingChannel();
  const batch = new AckBatch(channel);
  for (let tag = 1; tag <= 5; tag++) batch.delivered(tag);
  for (const tag of [2, 1, 3, 5, 4]) batch.ack(tag);
  assert.deepEqual(acks, [], 'nothing is sent before the end of the turn');
  await turn();
  assert.deepEqual(acks, [[5, true]]);
});

test('an unsettled delivery is never covered: acks past it go one by one', async () => {
  const { channel, acks } = recordingChannel();
  const batch = new AckBatch(channel);
  for (let tag = 1; tag <= 6; tag++) batch.delivered(tag);
  batch.settled(2); // rejected: sent by the caller, no ack may cover it... nor needs to
  for (const tag of [1, 3, 5, 6]) batch.ack(tag); // 4 stays unsettled
  await turn();
  assert.deepEqual(acks, [
    [5, false],
    [6, false],
    [3, true],
  ]);
  batch.ack(4);
  batch.ack(4); // twice: one frame only (a second ack of a tag closes the channel with 406)
  await turn();
  assert.deepEqual(acks.slice(3), [[4, true]]);
});

test('a closed channel sends nothing more', async () => {
  const { channel, acks } = recordingChannel();
  const batch = new AckBatch(channel);
  batch.delivered(1);
  batch.delivered(2);
  batch.ack(1);
  batch.close();
  batch.ack(2);
  await turn();
  assert.deepEqual(acks, []);
});
