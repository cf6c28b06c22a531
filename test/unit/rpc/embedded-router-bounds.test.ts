// Issue 14, low item: any process of our uid reaches the embedded broker through its socket; a
// misbehaving client must not be able to exhaust the launcher's memory.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUES } from '../../../src/rpc/transports/embedded/broker.js';
import { MAX_FRAME_BYTES } from '../../../src/rpc/transports/embedded/ndjson.js';
import { EmbeddedRouter, type EmbeddedRouterOptions } from '../../../src/rpc/transports/embedded/router.js';
import { until } from '../../helpers/wait.js';

interface Raw {
  readonly socket: Socket;
  readonly frames: Array<{ t: string; id?: number; error?: { code: string; message: string } }>;
  send(frame: object): void;
  /** Resolve once the router answered operation `id`. */
  done(id: number): Promise<{ error?: { code: string; message: string } }>;
}

async function router(
  t: TestContext,
  options: Omit<EmbeddedRouterOptions, 'logger'>,
): Promise<{ router: EmbeddedRouter; open: () => Promise<Raw> }> {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-bounds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'embedded.sock');
  const instance = new EmbeddedRouter({ logger: silentLogger(), socketPath: path, ...options });
  await instance.start();
  t.after(() => instance.stop());
  const open = async (): Promise<Raw> => {
    const socket = connect(path);
    t.after(() => socket.destroy());
    await once(socket, 'connect');
    socket.on('error', () => undefined);
    const frames: Raw['frames'] = [];
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      pending += text;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        frames.push(JSON.parse(pending.slice(0, nl)) as Raw['frames'][number]);
        pending = pending.slice(nl + 1);
      }
    });
    return {
      socket,
      frames,
      send: (frame) => socket.write(`${JSON.stringify(frame)}\n`),
      done: (id) =>
        until(`an answer to operation ${id}`, () => frames.find((f) => f.t === 'done' && f.id === id), { timeoutMs: 2500, intervalMs: 5 }),
    };
  };
  return { router: instance, open };
}

test('the defaults: 64 MiB frames (was 128), 10000 queues, 256 MiB queued', () => {
  assert.deepEqual([MAX_FRAME_BYTES, DEFAULT_MAX_QUEUES, DEFAULT_MAX_QUEUED_BYTES], [64 << 20, 10_000, 256 << 20]);
});

test('a frame longer than maxFrameBytes disconnects its client; others are served', async (t) => {
  const { open } = await router(t, { maxFrameBytes: 1 << 20 });
  const bad = await open();
  bad.socket.write('x'.repeat((1 << 20) + 10));
  await once(bad.socket, 'close');
  const good = await open();
  good.send({ t: 'declare', id: 1, queue: 'q', owned: true });
  assert.equal((await good.done(1)).error, undefined);
});

test('declaring a queue beyond maxQueues is refused; the existing ones keep working', async (t) => {
  const { router: instance, open } = await router(t, { maxQueues: 5 });
  const client = await open();
  for (let id = 1; id <= 6; id++) client.send({ t: 'declare', id, queue: `q${id}`, owned: false });
  for (let id = 1; id <= 5; id++) assert.equal((await client.done(id)).error, undefined);
  assert.deepEqual((await client.done(6)).error, { code: 'invalid', message: 'the embedded broker already holds its maximum of 5 queues' });
  assert.equal(instance.stats.queues, 5);
});

test('a publish that would pass maxQueuedBytes is refused; deleting the queue frees its bytes', async (t) => {
  const { router: instance, open } = await router(t, { maxQueuedBytes: 1000 });
  const client = await open();
  client.send({ t: 'declare', id: 1, queue: 'nobody-reads', owned: false });
  await client.done(1);
  for (let id = 2; id <= 4; id++)
    client.send({ t: 'publish', id, exchange: '', key: 'nobody-reads', body: 'b'.repeat(400), mandatory: true });
  assert.equal((await client.done(2)).error, undefined);
  assert.equal((await client.done(3)).error, undefined);
  assert.match((await client.done(4)).error?.message ?? '', /the embedded broker is full \(800 of 1000 bytes queued\); message refused/);
  assert.equal(instance.stats.queuedBytes, 800);
  client.send({ t: 'delete', id: 5, queue: 'nobody-reads' });
  await client.done(5);
  assert.equal(instance.stats.queuedBytes, 0);
});

test('a consumer that stops reading is disconnected once maxClientBufferBytes are waiting for it', async (t) => {
  const { router: instance, open } = await router(t, { maxClientBufferBytes: 1 << 20 });
  const sleeper = await open();
  sleeper.send({ t: 'declare', id: 1, queue: 'firehose', owned: false });
  sleeper.send({ t: 'consume', id: 2, queue: 'firehose', tag: 'c', prefetch: 0, autoAck: true });
  await sleeper.done(2);
  sleeper.socket.pause();
  const producer = await open();
  const body = 'p'.repeat(64 * 1024);
  let id = 0;
  // 32 MiB sent at most; the sleeper must be cut long before that is buffered for it.
  while (instance.stats.links === 2 && id < 512) {
    producer.send({ t: 'publish', id: ++id, exchange: '', key: 'firehose', body, mandatory: false });
    await producer.done(id);
  }
  // (The paused sleeper cannot see its close: it reads nothing.)
  assert.ok(id < 512, `cut after ${id} messages`);
  assert.equal(instance.stats.links, 1);
});

test('unfinished frames of all clients together are bounded: the client that passes maxUnfinishedBytes is cut', async (t) => {
  const { router: instance, open } = await router(t, { maxUnfinishedBytes: 1 << 20 });
  const first = await open();
  first.socket.write(`{"t":"hello","id":1,"pad":"${'a'.repeat(600 * 1024)}`);
  while (instance.stats.unfinishedBytes < 600 * 1024) await new Promise((resolve) => setTimeout(resolve, 5));
  const second = await open();
  const secondClosed = new Promise((resolve) => second.socket.once('close', resolve));
  second.socket.write(`{"t":"hello","id":1,"pad":"${'b'.repeat(600 * 1024)}`);
  // (once() would reject on the EPIPE of our own write to a socket the router closed.)
  await secondClosed;
  // The first finishes its frame and is answered; its bytes left the budget, so a third fits.
  first.socket.write('"}\n');
  assert.equal((await first.done(1)).error, undefined);
  assert.equal(instance.stats.unfinishedBytes, 0);
  const third = await open();
  third.socket.write(`{"t":"hello","id":2,"pad":"${'c'.repeat(900 * 1024)}"}\n`);
  assert.equal((await third.done(2)).error, undefined);
});

test('bindings and exchanges are capped; an exchange without bindings is dropped', async (t) => {
  const { router: instance, open } = await router(t, { maxBindings: 3, maxExchanges: 2 });
  const client = await open();
  client.send({ t: 'declare', id: 1, queue: 'q', owned: true });
  client.send({ t: 'bind', id: 2, queue: 'q', exchange: 'a', kind: 'topic', key: 'k1' });
  client.send({ t: 'bind', id: 3, queue: 'q', exchange: 'a', kind: 'topic', key: 'k1' });
  client.send({ t: 'bind', id: 4, queue: 'q', exchange: 'b', kind: 'topic', key: 'k2' });
  client.send({ t: 'bind', id: 5, queue: 'q', exchange: 'c', kind: 'topic', key: 'k3' });
  client.send({ t: 'bind', id: 6, queue: 'q', exchange: 'a', kind: 'topic', key: 'k4' });
  client.send({ t: 'bind', id: 7, queue: 'q', exchange: 'b', kind: 'topic', key: 'k5' });
  for (const id of [2, 3, 4, 6]) assert.equal((await client.done(id)).error, undefined, `bind ${id}`);
  assert.match((await client.done(5)).error?.message ?? '', /maximum of 2 exchanges/);
  assert.match((await client.done(7)).error?.message ?? '', /maximum of 3 bindings/);
  assert.deepEqual([instance.stats.exchanges, instance.stats.bindings], [2, 3], 'a repeated binding counts once');
  client.send({ t: 'delete', id: 8, queue: 'q' });
  await client.done(8);
  assert.deepEqual([instance.stats.exchanges, instance.stats.bindings], [0, 0]);
});
