// One RPC server process for scripts/bench-rpc.mjs.
//   node scripts/lib/bench-node-server.mjs raw|raw-wire|raw-wire-quorum|raw:FEATURES|oslo|oslo-quorum AMQP_URL TOPIC
// raw…: plain amqplib (raw-rpc.mjs): raw replies through RabbitMQ's direct reply-to (the limit,
//       not oslo-compatible), raw-wire does all the broker work oslo's protocol asks for.
// oslo: our RpcServer on the AMQP transport with an `echo` endpoint (what a Python client calls).
// Prints "ready" on stdout once it consumes; SIGTERM stops it cleanly.
import { silentLogger } from '../../dist/src/logging/logger.js';
import { RpcServer } from '../../dist/src/rpc/server.js';
import { AmqpTransport } from '../../dist/src/rpc/transports/amqp/index.js';
import { benchConfig, rawFeatures, rawServer } from './raw-rpc.mjs';

const [mode, url, topic] = process.argv.slice(2);
let stop;

if (mode.startsWith('raw')) {
  stop = await rawServer(url, topic, rawFeatures(mode));
} else if (mode === 'oslo' || mode === 'oslo-quorum') {
  const config = benchConfig(mode);
  const transport = new AmqpTransport({ url, config, logger: silentLogger() });
  await transport.start();
  const server = new RpcServer(transport, { topic, server: 'bench' }, [{ echo: (_ctx, args) => args.value }], {
    controlExchange: config.control_exchange,
  });
  await server.start();
  stop = async () => {
    await server.stop();
    await transport.stop();
  };
} else {
  console.error('usage: bench-node-server.mjs raw|raw-wire|raw-wire-quorum|raw:FEATURES|oslo|oslo-quorum AMQP_URL TOPIC');
  process.exit(2);
}

process.once('SIGTERM', () => {
  void Promise.resolve(stop()).finally(() => process.exit(0));
});
process.stdout.write('ready\n');
