// The RPC framework's own work per call, without a broker: our RpcClient → RpcServer over a
// loopback transport that hands bodies over in a microtask (as Buffers, as AMQP delivers them),
// against the same loop done by hand with plain JSON bodies (what raw-rpc.mjs's client and
// server do around amqplib). For scripts/bench-rpc-instructions.mjs --loopback, which counts
// the instructions of both under callgrind: one process, no I/O, so the count per call repeats
// exactly, whatever the machine's load.
// `embedded`: ours over the real embedded router and transports, in one process: each link
// batches its frames per event-loop iteration and every batch crosses as JSON text and back, as
// node's IPC does, one setImmediate per hop. What it counts is the router's, the transports' and
// the framework's work, without the system calls and wake-ups of real processes.
//   node scripts/lib/rpc-loopback.mjs oslo|plain|embedded WARMUP CALLS CONCURRENCY
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { RpcClient } from '../../dist/src/rpc/client.js';
import { RpcServer } from '../../dist/src/rpc/server.js';

const [mode, warmupText, callsText, concurrencyText] = process.argv.slice(2);

/** The Transport interface over function calls. */
class LoopbackTransport extends EventEmitter {
  kind = 'embedded';
  connected = true;
  #onRequest;
  #onReply;
  start() { return Promise.resolve(); }
  stop() { return Promise.resolve(); }
  publish({ body }) {
    queueMicrotask(() => this.#onRequest({ body: Buffer.from(body, 'utf8'), contentType: 'application/json', ack() {}, reject() {} }));
    return Promise.resolve();
  }
  publishReply(_queue, body) {
    queueMicrotask(() => this.#onReply(Buffer.from(body, 'utf8')));
    return Promise.resolve();
  }
  replyQueue(onReply) {
    this.#onReply = onReply;
    return Promise.resolve('reply_loopback');
  }
  listen(_target, onRequest) {
    this.#onRequest = onRequest;
    return Promise.resolve({ stop: () => Promise.resolve() });
  }
}

async function oslo() {
  const transport = new LoopbackTransport();
  const server = new RpcServer(transport, { topic: 'bench', server: 'loopback' }, [{ echo: (_ctx, args) => args.value }]);
  await server.start();
  const client = new RpcClient(transport, { topic: 'bench' }, { timeout: 30 });
  return () => client.call({}, 'echo', { value: 1 });
}

/** Ours over the embedded router, its two links copying every batch through JSON text. */
async function embedded() {
  const { EmbeddedRouter, EmbeddedTransport, frameBatcher, framesOf } = await import('../../dist/src/rpc/transports/embedded/index.js');
  const { silentLogger } = await import('../../dist/src/logging/logger.js');
  const router = new EmbeddedRouter({ logger: silentLogger() });
  /** A batch as one IPC message: JSON text on the way, parsed on arrival in a later turn. */
  const hop = (to) => (frames) => {
    const text = JSON.stringify({ type: 'transport', frames });
    setImmediate(() => {
      for (const frame of framesOf(JSON.parse(text))) to(frame);
    });
  };
  const link = (id) => {
    let deliver = () => undefined;
    const receive = router.attach(id, { send: frameBatcher(hop((frame) => deliver(frame)), 'iteration') });
    return new EmbeddedTransport({ send: frameBatcher(hop(receive), 'iteration'), onFrame: (handler) => (deliver = handler) });
  };
  const serverTransport = link('server');
  const clientTransport = link('client');
  await Promise.all([serverTransport.start(), clientTransport.start()]);
  const server = new RpcServer(serverTransport, { topic: 'bench', server: 'loopback' }, [{ echo: (_ctx, args) => args.value }]);
  await server.start();
  const client = new RpcClient(clientTransport, { topic: 'bench' }, { timeout: 30 });
  return () => client.call({}, 'echo', { value: 1 });
}

/** raw-rpc.mjs's work around amqplib: JSON bodies as Buffers, a map of pending calls by id. */
function plain() {
  const pending = new Map();
  const reply = (content) => {
    const message = JSON.parse(content.toString());
    const resolve = pending.get(message.id);
    pending.delete(message.id);
    resolve(message.result);
  };
  const serve = (content) => {
    const { value, id, replyQueue } = JSON.parse(content.toString());
    const out = Buffer.from(JSON.stringify({ result: value, id }));
    void replyQueue;
    queueMicrotask(() => reply(out));
  };
  return () => new Promise((resolve) => {
    const id = randomUUID();
    pending.set(id, resolve);
    const content = Buffer.from(JSON.stringify({ value: 1, id, replyQueue: 'reply_loopback' }));
    queueMicrotask(() => serve(content));
  });
}

async function run(call, count, concurrency) {
  let left = count;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left > 0) {
      left--;
      await call();
    }
  }));
}

const call = mode === 'oslo' ? await oslo() : mode === 'embedded' ? await embedded() : plain();
await run(call, Number(warmupText), Number(concurrencyText));
globalThis.gc?.();
await run(call, Number(callsText), Number(concurrencyText));
process.exit(0);
