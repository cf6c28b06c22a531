/**
 * amqplib writes each frame with its own socket write; coalesceFrameWrites corks the socket
 * around amqplib's muxer flush so that the frames of one flush leave in one writev. The test
 * also fails if a new amqplib changes the internals this relies on.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { connect } from 'amqplib';
import { coalesceFrameWrites } from '../../../src/internals/amqplib-muxer.js';
import { withBroker } from '../../helpers/broker.js';

const PUBLISHES = 20;

/** Publish PUBLISHES messages in one turn; return how many socket writes carried them. */
async function socketWritesFor(url: string, coalesce: boolean): Promise<number> {
  const model = await connect(url, { noDelay: true });
  try {
    if (coalesce) assert.equal(coalesceFrameWrites(model), true, "amqplib's muxer is not where coalesceFrameWrites expects it");
    const socket = (model as unknown as { connection: { stream: Socket } }).connection.stream;
    const channel = await model.createConfirmChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    let writes = 0;
    const counted = socket as unknown as { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
    for (const method of ['_write', '_writev'] as const) {
      const original = counted[method];
      counted[method] = function (this: unknown, ...args: unknown[]) {
        writes++;
        return Reflect.apply(original, this, args);
      };
    }
    for (let i = 0; i < PUBLISHES; i++) channel.sendToQueue(queue, Buffer.from(`message ${i}`));
    await channel.waitForConfirms();
    return writes;
  } finally {
    await model.close().catch(() => undefined);
  }
}

test('the frames of one muxer flush leave in one socket write', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const plain = await socketWritesFor(brokerUrl, false);
  const coalesced = await socketWritesFor(brokerUrl, true);
  console.log(`# socket writes for ${PUBLISHES} publishes in one turn: ${plain} by amqplib alone, ${coalesced} coalesced`);
  assert.ok(plain >= PUBLISHES, `amqplib alone wrote ${plain} times`);
  assert.ok(coalesced <= 2, `coalesced: ${coalesced} writes`);
});
