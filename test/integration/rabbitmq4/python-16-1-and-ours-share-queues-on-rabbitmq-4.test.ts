/**
 * On RabbitMQ 4 configured as 4.3 ships, with the option set oslo recommends for it (quorum
 * queues, transient quorum queues, stream fanout, queue manager) read by both sides from ONE
 * oslo.config file: a real oslo.messaging 16.1 server and client (in the trixie root) and our
 * transport declare identical queues, exchanges and consumers (rabbitmqctl), share a topic
 * without a 406, and both read the fanout stream. With oslo's defaults the broker refuses our
 * reply queue and the error names its reason and the options that fix it; rabbit_ha_queues
 * gets a warning naming rabbit_quorum_queue.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/index.js';
import { hex32 } from '../../../src/rpc/ids.js';
import { AmqpTransport, BrokerDeclareError } from '../../../src/rpc/transports/amqp/index.js';
import type { Delivery } from '../../../src/rpc/transports/transport.js';
import { startTransport, uniqueTopic, withRabbitmq4, type QueueRow } from '../../helpers/broker.js';
import { captureLogger } from '../../helpers/capture-logger.js';
import { until } from '../../helpers/wait.js';
import { runPythonClient, startPythonServer } from '../../helpers/python-peer.js';
import { rabbitmq4Vhost, recommendedIni, removeQueueManagerCounters, stagedTrixiePeer, type StagedPeer } from './support.js';

/** The [oslo_messaging_rabbit] set oslo.messaging recommends for RabbitMQ 4, in one file for both sides. */
async function recommendedConfig(peer: StagedPeer, hostname: string): Promise<{ hostPath: string; rootPath: string }> {
  const text = recommendedIni(hostname, peer.rootDir);
  await writeFile(`${peer.hostDir}/oslo.conf`, text);
  return { hostPath: `${peer.hostDir}/oslo.conf`, rootPath: `${peer.rootDir}/oslo.conf` };
}

function envelope(message: Record<string, unknown>): string {
  return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) });
}

/** A row with topic, queue-manager names and counters replaced, consumers and messages dropped. */
function shape(row: QueueRow | { name: string }, topic: string): string {
  const { name, ...rest } = row as unknown as Record<string, unknown>;
  delete rest.consumers;
  delete rest.messages;
  const generic = topic ? String(name).replace(topic, 'TOPIC') : String(name);
  return JSON.stringify({ name: generic.replace(/^reply_.*$/, 'reply_QM'), ...rest });
}

test('recommended options from one file: Python 16.1 and ours declare the same queues on RabbitMQ 4 and share a topic', {
  timeout: 120_000,
}, async (t) => {
  const vhost = await rabbitmq4Vhost(t);
  const peer = vhost && (await stagedTrixiePeer(t));
  if (!vhost || !peer) return;
  const url = vhost.url;
  const hostname = `rmq4-${randomBytes(3).toString('hex')}`;
  removeQueueManagerCounters(t, hostname);
  const conf = await recommendedConfig(peer, hostname);
  const pyArgs = ['--config-file', conf.rootPath];
  const pyTopic = uniqueTopic('rmq4-py');
  const ourTopic = uniqueTopic('rmq4-node');

  const python = await startPythonServer(t, url, pyTopic, 'srv', pyArgs, peer);
  const [echo] = await runPythonClient(url, [{ op: 'call', topic: pyTopic, method: 'echo', args: { value: 7 } }], 60_000, pyArgs, peer);
  assert.deepEqual(echo, { ok: true, result: 7, elapsed: echo!.elapsed });

  // Our side reads the very same file.
  const loaded = loadConfig(['--config-file', conf.hostPath], {});
  assert.ok(loaded.unknownFileKeys.includes('oslo_concurrency.lock_path'), 'the Python-only section is ignored, not an error');
  const { logger } = captureLogger();
  const transport = new AmqpTransport({ url: url, config: loaded.config, logger });
  t.after(() => transport.stop());
  await transport.start();
  const ours: Delivery[] = [];
  const listener = await transport.listen({ exchange: 'openstack', topic: ourTopic, server: 'srv' }, (d) => (ours.push(d), d.ack()));
  t.after(() => listener.stop());
  const ourReply = await transport.replyQueue(() => undefined);
  assert.match(ourReply, new RegExp(`^reply_${hostname}:[^:]+:\\d+$`), 'the queue manager names the reply queue');

  const queues = await vhost.queues();
  const pick = (topic: string) =>
    queues
      .filter((q) => q.name.startsWith(topic))
      .map((q) => shape(q, topic))
      .sort();
  assert.deepEqual(pick(ourTopic), pick(pyTopic));
  const summary = (topic: string) =>
    queues
      .filter((q) => q.name.startsWith(topic))
      .map((q) => [
        q.name.replace(topic, 'TOPIC'),
        q.durable,
        Object.fromEntries((q.arguments as Array<[string, string, unknown]>).map(([k, , v]) => [k, v])),
      ])
      .sort();
  assert.deepEqual(summary(ourTopic), [
    ['TOPIC', true, { 'x-queue-type': 'quorum' }],
    ['TOPIC.srv', true, { 'x-queue-type': 'quorum' }],
    ['TOPIC_fanout', true, { 'x-queue-type': 'stream', 'x-max-age': '1800s' }],
  ]);
  const pyReply = queues.find((q) => q.name.startsWith(`reply_${hostname}:oslo_client.py:`));
  const ourReplyRow = queues.find((q) => q.name === ourReply);
  assert.ok(pyReply && ourReplyRow, 'both reply queues exist');
  assert.equal(shape(ourReplyRow, ''), shape(pyReply, ''));
  assert.equal(ourReplyRow.durable, true);

  const exchanges = await vhost.exchanges();
  const pickExchanges = (topic: string) => exchanges.filter((e) => e.name.startsWith(topic)).map((e) => shape(e, topic));
  assert.deepEqual(pickExchanges(ourTopic), pickExchanges(pyTopic));
  assert.equal(exchanges.find((e) => e.name === `${ourTopic}_fanout`)?.durable, true);

  // The consumers of the topic queues: same arguments, prefetch and acks on both sides
  // (RabbitMQ 4.0 does not list stream consumers; the fanout below shows both read the stream).
  const consumers = await vhost.consumers();
  const topicConsumers = (topic: string) =>
    consumers
      .filter((c) => c.queue_name === topic || c.queue_name === `${topic}.srv`)
      .map((c) =>
        JSON.stringify({
          queue: String(c.queue_name).replace(topic, 'TOPIC'),
          arguments: c.arguments,
          prefetch: c.prefetch_count,
          ack: c.ack_required,
        }),
      )
      .sort();
  assert.equal(topicConsumers(ourTopic).length, 2);
  assert.deepEqual(topicConsumers(ourTopic), topicConsumers(pyTopic));

  // Sharing the Python server's topic: no 406, competing consumers, and the stream reaches both.
  const shared: Delivery[] = [];
  const sharing = await transport.listen({ exchange: 'openstack', topic: pyTopic, server: 'node' }, (d) => (shared.push(d), d.ack()));
  t.after(() => sharing.stop());
  // A quorum queue's consumer count reaches rabbitmqctl through Raft, a moment later.
  const consumerCount = async () => (await vhost.queues()).find((q) => q.name === pyTopic)?.consumers;
  await until('both servers consuming the shared quorum topic queue', async () => (await consumerCount()) === 2, {
    timeoutMs: 10_000,
    intervalMs: 250,
  });
  for (let i = 0; i < 10; i++) {
    await transport.publish({
      target: { exchange: 'openstack', topic: pyTopic },
      body: envelope({ method: 'record', args: { value: i }, _unique_id: hex32() }),
    });
  }
  const pyCasts = () => python.events.filter((e) => e.event === 'cast' && typeof e.value === 'number' && e.value < 100).length;
  await until('ten casts consumed between the two servers', () => shared.length + pyCasts() === 10, { timeoutMs: 15_000 });
  await transport.publish({
    target: { exchange: 'openstack', topic: pyTopic, fanout: true },
    body: envelope({ method: 'record', args: { value: 100 }, _unique_id: hex32() }),
  });
  await python.waitEvent((e) => e.event === 'cast' && e.value === 100, 15_000);
  await until(
    'our server read the fanout stream too',
    () => shared.some((d) => d.body.toString().includes('"value\\": 100') || d.body.toString().includes('\\"value\\":100')),
    { timeoutMs: 15_000 },
  );

  // No queue on this broker is both non-durable and non-exclusive (RabbitMQ 4.3's rule).
  const transient = (await vhost.queues()).filter((q) => !q.durable && !q.exclusive);
  assert.deepEqual(
    transient.map((q) => q.name),
    [],
  );
});

test('oslo defaults on RabbitMQ 4: the refusal names the broker reason and the options that fix it', async (t) => {
  const url = await withRabbitmq4(t);
  if (!url) return;
  const transport = await startTransport(t, url);
  await assert.rejects(
    transport.replyQueue(() => undefined),
    (error: unknown) => {
      assert.ok(error instanceof BrokerDeclareError, String(error));
      assert.match(error.message, /transient_nonexcl_queues/);
      assert.match(error.message, /rabbit_quorum_queue = true and rabbit_transient_quorum_queue = true/);
      return true;
    },
  );
});

test('rabbit_ha_queues against RabbitMQ 4 logs a warning naming rabbit_quorum_queue', async (t) => {
  const url = await withRabbitmq4(t);
  if (!url) return;
  const { logger, lines } = captureLogger();
  await startTransport(t, url, { rabbit_ha_queues: true }, logger);
  const warning = lines.find((line) => line.option === 'rabbit_ha_queues');
  assert.ok(warning, 'a warning about rabbit_ha_queues');
  assert.equal(warning.level, 40);
  assert.match(String(warning.msg), /RabbitMQ 4\.\d+\.\d+.*rabbit_quorum_queue/);
});
