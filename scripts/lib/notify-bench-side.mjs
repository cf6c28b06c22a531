// One side of scripts/bench-notify.mjs, in its own process: `ours` (our Notifier /
// NotificationListener) or `raw` (amqplib publishing the same messages: the 2.0 envelope with
// oslo's fields, to the control exchange with routing key TOPIC.info, on a confirm channel with
// oslo's properties; consuming with acks and decoding the envelope). Prints {"count", "ms"}.
//
// usage: node notify-bench-side.mjs ours|raw send|receive|fill URL TOPIC COUNT [WINDOW]
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { loadConfig } from '../../dist/src/config/index.js';
import { silentLogger } from '../../dist/src/logging/logger.js';
import { AmqpTransport } from '../../dist/src/rpc/transports/amqp/index.js';
import { Notifier, NotificationListener, pythonUtcTimestamp } from '../../dist/src/index.js';

const [side, phase, url, topic, countText, windowText] = process.argv.slice(2);
const count = Number(countText);
const window = Number(windowText ?? 64);
const EXCHANGE = 'openstack';
const PROPERTIES = { contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 2, priority: 0, headers: {} };
const payload = { instance_id: 'i-0123456789', state: 'active', n: 0 };

/** Run `task(n)` for n < count with at most `window` in flight. */
async function windowed(task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(window, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** The message our Notifier sends, built the same way by hand. */
function rawBody(n) {
  const message = {
    message_id: randomUUID(),
    publisher_id: 'bench.raw',
    event_type: 'bench.event',
    priority: 'INFO',
    payload: { ...payload, n },
    timestamp: pythonUtcTimestamp(),
    _unique_id: randomUUID().replaceAll('-', ''),
  };
  return Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) }));
}

async function rawChannel(confirm) {
  const model = await connect(url, { noDelay: true });
  const channel = confirm ? await model.createConfirmChannel() : await model.createChannel();
  await channel.assertExchange(EXCHANGE, 'topic', { durable: false, autoDelete: false });
  await channel.assertQueue(`${topic}.info`, { durable: false, autoDelete: false, exclusive: false, arguments: {} });
  await channel.bindQueue(`${topic}.info`, EXCHANGE, `${topic}.info`);
  return { model, channel };
}

async function raw() {
  if (phase === 'send' || phase === 'fill') {
    const { model, channel } = await rawChannel(true);
    const start = performance.now();
    await windowed(
      (n) =>
        new Promise((resolve, reject) =>
          channel.publish(EXCHANGE, `${topic}.info`, rawBody(n), PROPERTIES, (error) => (error ? reject(error) : resolve())),
        ),
    );
    const ms = performance.now() - start;
    await model.close();
    return { count, ms };
  }
  const { model, channel } = await rawChannel(false);
  await channel.prefetch(128);
  let seen = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const start = performance.now();
  await channel.consume(
    `${topic}.info`,
    (message) => {
      const envelope = JSON.parse(message.content.toString('utf8'));
      JSON.parse(envelope['oslo.message']);
      channel.ack(message);
      if (++seen === count) done();
    },
    { noAck: false },
  );
  await finished;
  const ms = performance.now() - start;
  await model.close();
  return { count: seen, ms };
}

async function ours() {
  const { config } = loadConfig([], {});
  const transport = new AmqpTransport({ url, config, logger: silentLogger() });
  await transport.start();
  try {
    if (phase === 'send') {
      const notifier = new Notifier(transport, { publisherId: 'bench.ours', topics: [topic], throwOnError: true });
      await notifier.info({}, 'bench.warmup', payload);
      const start = performance.now();
      await windowed((n) => notifier.info({}, 'bench.event', { ...payload, n }));
      return { count, ms: performance.now() - start };
    }
    let seen = 0;
    let done;
    const finished = new Promise((resolve) => (done = resolve));
    const listener = new NotificationListener(transport, [{ topic }], [{ info: () => void (++seen === count && done()) }]);
    const start = performance.now();
    await listener.start();
    await finished;
    const ms = performance.now() - start;
    await listener.stop();
    return { count: seen, ms };
  } finally {
    await transport.stop();
  }
}

process.stdout.write(`${JSON.stringify(side === 'raw' ? await raw() : await ours())}\n`);
