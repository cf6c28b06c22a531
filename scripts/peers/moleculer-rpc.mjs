// The Moleculer peer of scripts/bench.mjs's RPC rows, over the same RabbitMQ broker with
// Moleculer's AMQP transporter, tuned as far as the transporter allows:
//   prefetch 128 (ours: rabbit_qos_prefetch_count 128; Moleculer's default of 1 would serialise
//   a server), socketOptions.noDelay (TCP_NODELAY, as ours and raw amqplib), JSON serializer,
//   no metrics/tracing/logging, request queues expiring 60 s after their last consumer.
// Same interface and output as scripts/lib/bench-node-{server,client}.mjs:
//   node moleculer-rpc.mjs server AMQP_URL TOPIC                     prints "ready", SIGTERM stops
//   node moleculer-rpc.mjs client AMQP_URL TOPIC CONCURRENCY SECONDS one JSON line
//     {calls, errors, seconds, p50_ms, p99_ms}
import { ServiceBroker } from 'moleculer';
import { closedLoop } from '../lib/closed-loop.mjs';

const [mode, url, topic, concurrencyText, secondsText] = process.argv.slice(2);
if (!['server', 'client'].includes(mode) || !url || !topic) {
  console.error('usage: moleculer-rpc.mjs server|client AMQP_URL TOPIC [CONCURRENCY SECONDS]');
  process.exit(2);
}

const broker = new ServiceBroker({
  namespace: topic, // isolates this run's queues and exchanges on a shared broker
  nodeID: `${mode}-${process.pid}`,
  transporter: {
    type: 'AMQP',
    options: { url, prefetch: 128, socketOptions: { noDelay: true }, autoDeleteQueues: 60_000 },
  },
  serializer: 'JSON',
  logger: false,
  metrics: false,
  tracing: false,
  requestTimeout: 30_000,
});

if (mode === 'server') {
  broker.createService({ name: 'bench', actions: { echo: (ctx) => ctx.params.value } });
  await broker.start();
  process.once('SIGTERM', () => void broker.stop().finally(() => process.exit(0)));
  process.stdout.write('ready\n');
} else {
  const concurrency = Number(concurrencyText);
  const seconds = Number(secondsText);
  await broker.start();
  await broker.waitForServices('bench', 30_000);
  for (let i = 0; i < 50; i++) await broker.call('bench.echo', { value: i }); // warm up, as the others
  const result = await closedLoop(() => broker.call('bench.echo', { value: 1 }), { concurrency, seconds, announce: true });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await broker.stop();
  process.exit(0);
}
