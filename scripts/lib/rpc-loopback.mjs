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
// `embedded-ping-pong` and `embedded-oslo-message`: the same router and transports used by hand,
// no RPC layer, carrying the raw IPC ping-pong's small message or the message our RpcClient and
// RpcServer send (fresh ids included): what the transport costs, what oslo's message adds, and
// (against `embedded`) what the RPC layer's code adds.
//   node scripts/lib/rpc-loopback.mjs oslo|plain|embedded|embedded-ping-pong|embedded-oslo-message WARMUP CALLS CONCURRENCY
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { RpcClient } from '../../dist/src/rpc/client.js';
import { RpcServer } from '../../dist/src/rpc/server.js';
import { hex32, requestId } from '../../dist/src/rpc/ids.js';

const [mode, warmupText, callsText, concurrencyText] = process.argv.slice(2);

/** The Transport interface over function calls. */
class LoopbackTransport extends EventEmitter {
  kind = 'embedded';
  connected = true;
  #onRequest;
  #onReply;
  start() {
    return Promise.resolve();
  }
  stop() {
    return Promise.resolve();
  }
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
  const client = new RpcClient(transport, { topic: 'bench' }, { timeoutSeconds: 30 });
  return () => client.call({}, 'echo', { value: 1 });
}

/** The embedded router and two started transports, their links copying every batch through JSON text. */
async function embeddedPair() {
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
    const receive = router.attach(id, {
      send: frameBatcher(
        hop((frame) => deliver(frame)),
        'iteration',
      ),
    });
    return new EmbeddedTransport({ send: frameBatcher(hop(receive), 'iteration'), onFrame: (handler) => (deliver = handler) });
  };
  const serverTransport = link('server');
  const clientTransport = link('client');
  await Promise.all([serverTransport.start(), clientTransport.start()]);
  return { serverTransport, clientTransport };
}

/** Ours over the embedded router. */
async function embedded() {
  const { serverTransport, clientTransport } = await embeddedPair();
  const server = new RpcServer(serverTransport, { topic: 'bench', server: 'loopback' }, [{ echo: (_ctx, args) => args.value }]);
  await server.start();
  const client = new RpcClient(clientTransport, { topic: 'bench' }, { timeoutSeconds: 30 });
  return () => client.call({}, 'echo', { value: 1 });
}

// The embedded transport without the RPC layer: publish, deliver, ack and reply by hand, with
// `bodies` making and reading the request and reply. `pingPongBodies`: the raw IPC ping-pong's
// small message; `osloBodies`: the message RpcClient and RpcServer put on this transport.
const pingPongBodies = {
  request: (id, value, replyQueue) => JSON.stringify({ id, value, q: replyQueue }),
  reply: (id, value) => JSON.stringify({ id, value }),
  readRequest: (m) => ({ id: m.id, value: m.value, replyQueue: m.q }),
  readReply: (m) => ({ id: m.id, value: m.value }),
};
const osloBodies = {
  request: (id, value, replyQueue) =>
    JSON.stringify({
      method: 'echo',
      args: { value },
      _context_request_id: requestId(),
      _msg_id: id,
      _reply_q: replyQueue,
      _timeout: null,
    }),
  reply: (id, value) => JSON.stringify({ result: value, failure: null, ending: true, _msg_id: id }),
  readRequest: (m) => ({ id: m._msg_id, value: m.args.value, replyQueue: m._reply_q }),
  readReply: (m) => ({ id: m._msg_id, value: m.result }),
};

async function embeddedByHand(bodies) {
  const { serverTransport, clientTransport } = await embeddedPair();
  await serverTransport.listen({ topic: 'bench', server: 'loopback', exchange: 'openstack' }, (delivery) => {
    const { id, value, replyQueue } = bodies.readRequest(JSON.parse(delivery.body));
    delivery.ack();
    void serverTransport.publishReply(replyQueue, bodies.reply(id, value));
  });
  const pending = new Map();
  const replyQueue = await clientTransport.replyQueue((body) => {
    const { id, value } = bodies.readReply(JSON.parse(body));
    const resolve = pending.get(id);
    pending.delete(id);
    resolve?.(value);
  });
  const target = { topic: 'bench', exchange: 'openstack' };
  return () =>
    new Promise((resolve) => {
      const id = hex32();
      pending.set(id, resolve);
      void clientTransport.publish({
        target,
        body: bodies.request(id, 1, replyQueue),
        expirationMs: 30_000,
        mandatory: false,
        confirmLate: true,
      });
    });
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
  return () =>
    new Promise((resolve) => {
      const id = randomUUID();
      pending.set(id, resolve);
      const content = Buffer.from(JSON.stringify({ value: 1, id, replyQueue: 'reply_loopback' }));
      queueMicrotask(() => serve(content));
    });
}

async function run(call, count, concurrency) {
  let left = count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left--;
        await call();
      }
    }),
  );
}

const MODES = {
  oslo,
  plain,
  embedded,
  'embedded-ping-pong': () => embeddedByHand(pingPongBodies),
  'embedded-oslo-message': () => embeddedByHand(osloBodies),
};
if (!MODES[mode]) throw new Error(`mode is one of ${Object.keys(MODES).join(', ')}`);
const call = await MODES[mode]();
await run(call, Number(warmupText), Number(concurrencyText));
globalThis.gc?.();
await run(call, Number(callsText), Number(concurrencyText));
process.exit(0);
