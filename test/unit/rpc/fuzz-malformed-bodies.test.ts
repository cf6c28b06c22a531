import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { after, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { encodeEnvelope } from '../../../src/rpc/envelope.js';
import { hex32 } from '../../../src/rpc/ids.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';
import { rawPeer } from './support/raw-peer.js';

const broker = inProcessBroker();
after(() => broker.close());

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ODD_VALUES: unknown[] = [null, true, 0, -1, 1e308, '', 'x', [], [1], {}, { a: { b: [] } }, '__proto__', 'constructor'];
const METHODS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '_private', 'blocked_', 'target', 'events', ''];

function randomMessage(rand: () => number): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const message: Record<string, unknown> = {};
  if (rand() < 0.9) message.method = rand() < 0.5 ? pick(METHODS) : pick(ODD_VALUES);
  if (rand() < 0.7) message.args = rand() < 0.6 ? { value: pick(ODD_VALUES) } : pick(ODD_VALUES);
  if (rand() < 0.3) message.version = pick(['1.0', '1.3', '9.9', null, 5, 'x.y', '1']);
  if (rand() < 0.2) message.namespace = pick(ODD_VALUES);
  if (rand() < 0.2) message._timeout = pick([null, 2, '2', 'abc', 2.9, -5, {}]);
  if (rand() < 0.2) message[pick(['unknown', '_context_', '__proto__', 'oslo.message', '_msg_id'])] = pick(ODD_VALUES);
  if (rand() < 0.3) message._context_user = pick(ODD_VALUES);
  return message;
}

function randomBody(rand: () => number): string {
  const kind = Math.floor(rand() * 8);
  const message = randomMessage(rand);
  switch (kind) {
    case 0:
      return randomBytes(Math.floor(rand() * 64)).toString('latin1');
    case 1:
      return JSON.stringify(ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)]);
    case 2:
      return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': message });
    case 3:
      return JSON.stringify({
        'oslo.version': ['2.1', '3.0', 2, null, 'x'][Math.floor(rand() * 5)],
        'oslo.message': JSON.stringify(message),
      });
    case 4:
      return JSON.stringify(message);
    case 5:
      return encodeEnvelope(message).slice(0, Math.floor(rand() * 40));
    default:
      return encodeEnvelope(message);
  }
}

test('thousands of malformed bodies never stop the server; addressed ones get failures; a good call works after', async () => {
  const endpoint = new DemoEndpoint('fuzz');
  const server = new RpcServer(await broker.transport(), { topic: 'fuzz', server: 'f' }, [endpoint], { maxMessageBytes: 64 * 1024 });
  await server.start();
  after(() => server.stop());
  const peer = await rawPeer(await broker.transport());

  const rand = generator(20261125);
  const blind = 3000;
  for (let i = 0; i < blind; i++) await peer.publish('fuzz', randomBody(rand));

  // Malformed calls that carry a reply address must each be answered with a failure.
  const addressed: string[] = [
    JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': { method: 'echo' }, _msg_id: hex32(), _reply_q: peer.replyQueue }),
    encodeEnvelope({ method: '__proto__', args: {}, _msg_id: hex32(), _reply_q: peer.replyQueue }),
    encodeEnvelope({ method: 'constructor', args: {}, _msg_id: hex32(), _reply_q: peer.replyQueue }),
    encodeEnvelope({ method: 'toString', args: {}, _msg_id: hex32(), _reply_q: peer.replyQueue }),
    encodeEnvelope({ method: 'echo', args: [1], _msg_id: hex32(), _reply_q: peer.replyQueue }),
    encodeEnvelope({ method: 'echo', args: {}, surprise: 1, _msg_id: hex32(), _reply_q: peer.replyQueue }),
    encodeEnvelope({ method: 7, args: {}, _msg_id: hex32(), _reply_q: peer.replyQueue }),
    encodeEnvelope({ method: 'echo', args: { big: 'x'.repeat(100_000) }, _msg_id: hex32(), _reply_q: peer.replyQueue }),
    `${encodeEnvelope({ method: 'echo', _msg_id: hex32(), _reply_q: peer.replyQueue })}}}`,
  ];
  for (const body of addressed) await peer.publish('fuzz', body);

  for (let i = 0; i < 20_000 && server.stats.received < blind + addressed.length; i++) await tick();
  assert.equal(server.stats.received, blind + addressed.length);
  await peer.waitForReplies(addressed.length);
  const mine = peer.replies.filter((reply) => reply.ending === true && typeof reply.failure === 'string');
  assert.ok(mine.length >= addressed.length);
  const classes = new Set(mine.map((reply) => (JSON.parse(reply.failure as string) as { class: string }).class));
  assert.ok(classes.has('InvalidMessage') && classes.has('NoSuchMethod'), [...classes].join());
  assert.ok(server.stats.rejected > 0);

  const client = new RpcClient(await broker.transport(), { topic: 'fuzz', version: '1.3' }, { timeoutSeconds: 5 });
  assert.equal(await client.call({}, 'echo', { value: 'still alive' }), 'still alive');
  assert.equal(server.state, 'running');
});

test('a duplicate _unique_id among the last 16 is dropped; an older one is served again', async () => {
  const endpoint = new DemoEndpoint('dup');
  const server = new RpcServer(await broker.transport(), { topic: 'dup', server: 'd' }, [endpoint]);
  await server.start();
  after(() => server.stop());
  const peer = await rawPeer(await broker.transport());
  const seen: unknown[] = [];
  endpoint.events.on('notify', (_name, args: { n: number }) => seen.push(args.n));
  const cast = (n: number, uniqueId: string) =>
    peer.publish('dup', encodeEnvelope({ method: 'notify', args: { n }, version: '1.3', _unique_id: uniqueId }));

  const first = hex32();
  await cast(1, first);
  await cast(1, first);
  for (let i = 0; i < 16; i++) await cast(100 + i, hex32());
  await cast(1, first);
  const client = new RpcClient(await broker.transport(), { topic: 'dup', version: '1.3' }, { timeoutSeconds: 5 });
  for (let i = 0; i < 1000 && seen.length < 18; i++) await tick();
  assert.equal(await client.call({}, 'echo', { value: 'sync' }), 'sync');
  assert.deepEqual(seen.filter((n) => n === 1).length, 2);
  assert.equal(server.stats.duplicates, 1);
});
