import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import { frameBatcher, framesOf, MAX_BATCH_FRAMES } from '../../../src/rpc/transports/embedded/index.js';

test('frames made in one event-loop iteration, promise continuations included, leave in one message, in order', async () => {
  const writes: unknown[][] = [];
  const send = frameBatcher((frames) => writes.push(frames));
  send({ n: 1 });
  await Promise.resolve();
  send({ n: 2 });
  queueMicrotask(() => send({ n: 3 }));
  assert.equal(writes.length, 0, 'nothing is written before the iteration ends');
  await nextTurn();
  assert.deepEqual(writes, [[{ n: 1 }, { n: 2 }, { n: 3 }]]);
  send({ n: 4 });
  await nextTurn();
  assert.deepEqual(writes, [[{ n: 1 }, { n: 2 }, { n: 3 }], [{ n: 4 }]], 'a later iteration starts a new message');
});

test('flushed per iteration, frames made in two callbacks of one poll phase leave together', async () => {
  const writes: unknown[][] = [];
  const send = frameBatcher((frames) => writes.push(frames), 'iteration');
  const perTurn: unknown[][] = [];
  const sendPerTurn = frameBatcher((frames) => perTurn.push(frames), 'turn');
  // Two immediates queued together run in one check phase, like two reads in one poll phase.
  // (Two 1 ms timers do not always: a millisecond may pass between setting them.)
  await new Promise<void>((resolve) => {
    setImmediate(() => (send('a'), sendPerTurn('a')));
    setImmediate(() => (send('b'), sendPerTurn('b'), resolve()));
  });
  await nextTurn();
  assert.deepEqual(writes, [['a', 'b']]);
  assert.deepEqual(perTurn, [['a'], ['b']], 'per turn, each callback flushes its own');
});

test(`a batch never holds more than ${MAX_BATCH_FRAMES} frames`, async () => {
  const writes: unknown[][] = [];
  const send = frameBatcher((frames) => writes.push(frames));
  const total = MAX_BATCH_FRAMES * 2 + 5;
  for (let n = 0; n < total; n++) send(n);
  await nextTurn();
  assert.deepEqual(
    writes.map((frames) => frames.length),
    [MAX_BATCH_FRAMES, MAX_BATCH_FRAMES, 5],
  );
  assert.deepEqual(
    writes.flat(),
    Array.from({ length: total }, (_, n) => n),
    'order is kept across messages',
  );
});

test('a received message without a frames array carries no frames', () => {
  assert.deepEqual(framesOf({ frames: [1, 2] }), [1, 2]);
  assert.deepEqual(framesOf({ frames: 'x' }), []);
  assert.deepEqual(framesOf({}), []);
});
