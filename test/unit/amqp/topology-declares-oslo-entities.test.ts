/** The declarations match oslo 14.0.3's (docs/protocol/topology.md), and options change them as oslo's do. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';
import { amqpSettings } from '../../../src/rpc/transports/amqp/settings.js';
import { controlExchange, fanoutExchange, pyInt, replyQueue, serverTopology } from '../../../src/rpc/transports/amqp/topology.js';
import { parseTransportUrl } from '../../../src/rpc/transports/amqp/url.js';

function settings(overrides: Record<string, unknown> = {}, url = 'rabbit://h/') {
  const config = Object.freeze({ ...loadConfig([], {}).config, ...overrides }) as Config;
  return amqpSettings(config, parseTransportUrl(url));
}

test('defaults: non-durable topic exchange and queues without arguments, transient queues with x-expires', () => {
  const s = settings();
  const topology = serverTopology(s, 'openstack', 'compute', 'host-1');
  assert.deepEqual(topology.exchange, {
    name: 'openstack',
    type: 'topic',
    options: { durable: false, autoDelete: false, internal: false },
  });
  assert.deepEqual(topology.fanout, {
    name: 'compute_fanout',
    type: 'fanout',
    options: { durable: false, autoDelete: true, internal: false },
  });
  for (const [queue, name] of [
    [topology.topicQueue, 'compute'],
    [topology.serverQueue, 'compute.host-1'],
  ] as const) {
    assert.deepEqual(queue, {
      name,
      options: { durable: false, autoDelete: false, exclusive: false, arguments: {} },
      consumeArguments: undefined,
    });
  }
  assert.match(topology.fanoutQueue.name, /^compute_fanout_[0-9a-f]{32}$/);
  assert.deepEqual(topology.fanoutQueue.options, {
    durable: false,
    autoDelete: false,
    exclusive: false,
    arguments: { 'x-expires': pyInt(1_800_000) },
  });
  const reply = replyQueue(s);
  assert.match(reply.name, /^reply_[0-9a-f]{32}$/);
  assert.deepEqual(
    reply.options.arguments!['x-expires'],
    { '!': 'int', value: 1_800_000 },
    'x-expires is a signedint, as py-amqp sends it',
  );
});

test('amqp_durable_queues, amqp_auto_delete and the TTL option change exactly what oslo changes', () => {
  const s = settings({ amqp_durable_queues: true, amqp_auto_delete: true, rabbit_transient_queues_ttl: 60 });
  const topology = serverTopology(s, 'nova', 't', 's');
  assert.deepEqual(topology.exchange.options, { durable: true, autoDelete: true, internal: false });
  assert.equal(topology.topicQueue.options.durable, true);
  assert.equal(topology.topicQueue.options.autoDelete, true);
  assert.deepEqual(topology.fanout.options, fanoutExchange(s, 't').options, 'the fanout exchange ignores both options');
  assert.equal(topology.fanoutQueue.options.durable, false);
  assert.deepEqual(topology.fanoutQueue.options.arguments, { 'x-expires': pyInt(60_000) });
});

test('HA queues add x-ha-policy to every queue; quorum queues only to topic queues, and make them durable', () => {
  const ha = serverTopology(settings({ rabbit_ha_queues: true }), 'openstack', 't', 's');
  for (const queue of [ha.topicQueue, ha.serverQueue, ha.fanoutQueue]) assert.equal(queue.options.arguments!['x-ha-policy'], 'all');
  const quorum = serverTopology(settings({ rabbit_quorum_queue: true }), 'openstack', 't', 's');
  assert.equal(quorum.topicQueue.options.arguments!['x-queue-type'], 'quorum');
  assert.equal(quorum.topicQueue.options.durable, true);
  assert.equal(quorum.exchange.options.durable, true);
  assert.equal(quorum.fanoutQueue.options.arguments!['x-queue-type'], undefined);
  assert.throws(() => settings({ rabbit_ha_queues: true, rabbit_quorum_queue: true }), ConfigError);
});

test('URL query parameters override [oslo_messaging_rabbit] options, and bad ones are refused', () => {
  const s = settings({}, 'rabbit://h/?amqp_durable_queues=true&rabbit_qos_prefetch_count=7&heartbeat_timeout_threshold=0');
  assert.equal(controlExchange(s, 'openstack').options.durable, true);
  assert.equal(s.prefetch, 7);
  assert.equal(s.heartbeatSeconds, 0);
  assert.throws(() => settings({}, 'rabbit://h/?no_such_option=1'), /no_such_option/);
  assert.throws(() => settings({}, 'rabbit://h/?rabbit_qos_prefetch_count=lots'), ConfigError);
  assert.throws(() => settings({}, 'rabbit://h/?control_exchange=x'), /not an \[oslo_messaging_rabbit\] option/);
});
