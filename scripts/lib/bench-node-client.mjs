// One RPC client process for scripts/bench-rpc.mjs: as many calls as it can in SECONDS with
// CONCURRENCY calls in flight, then one JSON line {calls, errors, seconds, p50_ms, p99_ms}.
//   node scripts/lib/bench-node-client.mjs raw|raw-wire|raw-wire-quorum|raw:FEATURES|oslo|oslo-quorum AMQP_URL TOPIC CONCURRENCY SECONDS
import { silentLogger } from '../../dist/src/logging/logger.js';
import { RpcClient } from '../../dist/src/rpc/client.js';
import { AmqpTransport } from '../../dist/src/rpc/transports/amqp/index.js';
import { closedLoop } from './closed-loop.mjs';
import { benchConfig, rawClient, rawFeatures } from './raw-rpc.mjs';

const [mode, url, topic, concurrencyText, secondsText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const seconds = Number(secondsText);

async function osloCaller() {
  const config = benchConfig(mode);
  const transport = new AmqpTransport({ url, config, logger: silentLogger() });
  await transport.start();
  const client = new RpcClient(transport, { topic }, { timeoutSeconds: 30, controlExchange: config.control_exchange });
  return { call: (value) => client.call({}, 'echo', { value }), close: () => transport.stop() };
}

const caller = mode.startsWith('raw') ? await rawClient(url, topic, rawFeatures(mode)) : await osloCaller();
// Warm up: connections, the reply queue, JIT.
for (let i = 0; i < 50; i++) await caller.call(i);

const result = await closedLoop(() => caller.call(1), { concurrency, seconds, announce: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
await caller.close();
