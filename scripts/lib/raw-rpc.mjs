// Raw amqplib RPC (JSON bodies, no envelope, no dispatch) for the benchmarks, with each piece of
// broker work oslo's protocol asks for (docs/protocol/topology.md, wire-format.md) switched on by name:
//
//   topic          requests go through a topic exchange (oslo's control exchange), not straight
//                  to the queue through the default exchange
//   confirm        requests are published on a confirm channel (kombu's confirm_publish)
//   ack            the server consumes with acks and acks each request on receipt
//   props          oslo's properties on every publish (content type and encoding, persistent,
//                  priority, empty headers; requests also get an expiration)
//   queue          replies go to a declared reply queue (`reply_<hex>`, x-expires) consumed
//                  without acks, as ours is, instead of RabbitMQ's direct reply-to
//   reply-confirm  replies are published on a confirm channel
//   mandatory      replies are published mandatory (oslo's direct_mandatory_flag)
//   qos            the server's consumer channel has basic.qos with our rabbit_qos_prefetch_count
//                  (128; oslo's default is 0, no basic.qos): the same broker work as our server
//   quorum         the topic and reply queues are quorum queues (durable exchange), as with
//                  rabbit_quorum_queue and rabbit_transient_quorum_queue (raw-wire-quorum: all)
//
// No feature: the plain direct reply-to RPC, the limit. All of them: what any oslo-compatible
// RPC costs the broker, without a framework on top.
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { loadConfig } from '../../dist/src/config/index.js';

/**
 * Our transport's config for a bench mode: `oslo-quorum` sets oslo's quorum options for RabbitMQ
 * 4, on a control exchange of its own (durable, unlike the default one on the same broker).
 */
export function benchConfig(mode) {
  const { config } = loadConfig([], {});
  if (mode !== 'oslo-quorum') return config;
  return Object.freeze({ ...config, rabbit_quorum_queue: true, rabbit_transient_quorum_queue: true, control_exchange: 'bench_quorum' });
}

export const WIRE_FEATURES = ['topic', 'confirm', 'ack', 'props', 'queue', 'reply-confirm', 'mandatory', 'qos'];
const FEATURES = [...WIRE_FEATURES, 'quorum'];
const exchangeOf = (features) => (features.has('quorum') ? 'bench_raw_rpc_durable' : 'bench_raw_rpc');
const QUORUM = { 'x-queue-type': 'quorum' };
const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
const OSLO_PROPERTIES = { contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 2, priority: 0, headers: {} };

/** `raw` → no feature, `raw-wire` → all, `raw:topic,ack` → those. Throws on an unknown name. */
export function rawFeatures(mode) {
  if (mode === 'raw') return new Set();
  if (mode === 'raw-wire') return new Set(WIRE_FEATURES);
  if (mode === 'raw-wire-quorum') return new Set(FEATURES);
  const names = mode.startsWith('raw:') ? mode.slice(4).split(',').filter(Boolean) : undefined;
  const unknown = names?.find((name) => !FEATURES.includes(name));
  if (!names || unknown) throw new Error(`unknown raw mode "${mode}" (features: ${FEATURES.join(', ')})`);
  return new Set(names);
}

/** Serve `echo` on `topic`; returns the function that stops it. */
export async function rawServer(url, topic, features) {
  const model = await connect(url, { noDelay: true });
  const consumer = await model.createChannel();
  const replies = features.has('reply-confirm') ? await model.createConfirmChannel() : consumer;
  const quorum = features.has('quorum');
  if (features.has('qos')) await consumer.prefetch(benchConfig('oslo').rabbit_qos_prefetch_count);
  await consumer.assertQueue(topic, { durable: quorum, autoDelete: false, ...(quorum && { arguments: QUORUM }) });
  if (features.has('topic')) {
    await consumer.assertExchange(exchangeOf(features), 'topic', { durable: quorum, autoDelete: false });
    await consumer.bindQueue(topic, exchangeOf(features), topic);
  }
  const properties = { ...(features.has('props') ? OSLO_PROPERTIES : {}), mandatory: features.has('mandatory') };
  const confirmed = features.has('reply-confirm') ? () => undefined : undefined;
  const ack = features.has('ack');
  await consumer.consume(
    topic,
    (message) => {
      if (!message) return;
      if (ack) consumer.ack(message);
      const { value, id, replyQueue } = JSON.parse(message.content.toString());
      const to = replyQueue ?? message.properties.replyTo;
      replies.publish('', to, Buffer.from(JSON.stringify({ result: value, id })), properties, confirmed);
    },
    { noAck: !ack },
  );
  return async () => {
    await consumer.deleteQueue(topic);
    await model.close();
  };
}

/** A caller of `echo` on `topic`: { call(value), close() }. */
export async function rawClient(url, topic, features) {
  const model = await connect(url, { noDelay: true });
  const channel = features.has('confirm') ? await model.createConfirmChannel() : await model.createChannel();
  const pending = new Map();
  const onReply = (message) => {
    const reply = message && JSON.parse(message.content.toString());
    const resolve = reply && pending.get(reply.id);
    if (!resolve) return;
    pending.delete(reply.id);
    resolve(reply.result);
  };
  let replyQueue;
  if (features.has('queue')) {
    // Its own channel, like our transport's reply consumer.
    const replies = await model.createChannel();
    replyQueue = `reply_${randomUUID().replaceAll('-', '')}`;
    const quorum = features.has('quorum');
    await replies.assertQueue(replyQueue, {
      durable: quorum,
      autoDelete: false,
      arguments: { ...(quorum && QUORUM), 'x-expires': 1_800_000 },
    });
    await replies.consume(replyQueue, onReply, { noAck: true });
  } else {
    await channel.consume(DIRECT_REPLY_TO, onReply, { noAck: true });
  }
  const exchange = features.has('topic') ? exchangeOf(features) : '';
  const properties = {
    ...(features.has('props') ? { ...OSLO_PROPERTIES, expiration: '30000' } : {}),
    ...(replyQueue ? {} : { replyTo: DIRECT_REPLY_TO }),
  };
  const confirmed = features.has('confirm') ? () => undefined : undefined;
  return {
    call: (value) =>
      new Promise((resolve) => {
        const id = randomUUID();
        pending.set(id, resolve);
        channel.publish(exchange, topic, Buffer.from(JSON.stringify({ value, id, replyQueue })), properties, confirmed);
      }),
    close: async () => {
      if (replyQueue) await channel.deleteQueue(replyQueue);
      await model.close();
    },
  };
}
