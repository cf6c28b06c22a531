// One RPC client process for scripts/bench-rpc.mjs: as many calls as it can in SECONDS with
// CONCURRENCY calls in flight, then one JSON line {calls, errors, seconds, p50_ms, p99_ms}.
//   node scripts/lib/bench-node-client.mjs raw|oslo AMQP_URL TOPIC CONCURRENCY SECONDS
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { loadConfig } from '../../dist/src/config/index.js';
import { silentLogger } from '../../dist/src/logging/logger.js';
import { RpcClient } from '../../dist/src/rpc/client.js';
import { AmqpTransport } from '../../dist/src/rpc/transports/amqp/index.js';
import { closedLoop } from './closed-loop.mjs';

const [mode, url, topic, concurrencyText, secondsText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const seconds = Number(secondsText);

async function rawCaller() {
  const model = await connect(url, { noDelay: true });
  const channel = await model.createChannel();
  const pending = new Map();
  await channel.consume('amq.rabbitmq.reply-to', (message) => {
    const resolve = message && pending.get(message.properties.correlationId);
    if (!resolve) return;
    pending.delete(message.properties.correlationId);
    resolve(JSON.parse(message.content.toString()).result);
  }, { noAck: true });
  return {
    call: (value) => new Promise((resolve) => {
      const id = randomUUID();
      pending.set(id, resolve);
      channel.sendToQueue(topic, Buffer.from(JSON.stringify({ value })), { replyTo: 'amq.rabbitmq.reply-to', correlationId: id });
    }),
    close: () => model.close(),
  };
}

async function osloCaller() {
  const transport = new AmqpTransport({ url, config: loadConfig([], {}).config, logger: silentLogger() });
  await transport.start();
  const client = new RpcClient(transport, { topic }, { timeout: 30 });
  return { call: (value) => client.call({}, 'echo', { value }), close: () => transport.stop() };
}

const caller = mode === 'raw' ? await rawCaller() : await osloCaller();
// Warm up: connections, the reply queue, JIT.
for (let i = 0; i < 50; i++) await caller.call(i);

const result = await closedLoop(() => caller.call(1), { concurrency, seconds });
process.stdout.write(`${JSON.stringify(result)}\n`);
await caller.close();
