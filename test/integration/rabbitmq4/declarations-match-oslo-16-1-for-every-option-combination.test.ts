/**
 * For every combination of the [oslo_messaging_rabbit] options that shape declarations, our
 * transport declares exactly what the real oslo.messaging 16.1 driver declares: the same queue
 * names, flags, x-arguments and consume arguments, the same exchanges, the same mandatory flag
 * on replies; and the combinations oslo refuses at start, we refuse too. The Python side is
 * impl_rabbit.Connection itself, run in the trixie root over kombu's in-memory transport
 * (test/fixtures/python/oslo_declarations.py), so no broker is involved and 512 cases take seconds.
 */
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { test } from 'node:test';
import { execa } from 'execa';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';
import { amqpSettings, type AmqpSettings } from '../../../src/rpc/transports/amqp/settings.js';
import { QueueManager } from '../../../src/rpc/transports/amqp/queue-manager.js';
import {
  controlExchange,
  fanoutExchange,
  replyQueue,
  serverTopology,
  type ExchangeDecl,
  type QueueDecl,
} from '../../../src/rpc/transports/amqp/topology.js';
import { parseTransportUrl } from '../../../src/rpc/transports/amqp/url.js';
import { stagedTrixiePeer } from './support.js';

const FLAGS = [
  'amqp_durable_queues',
  'amqp_auto_delete',
  'rabbit_ha_queues',
  'rabbit_quorum_queue',
  'rabbit_transient_quorum_queue',
  'rabbit_stream_fanout',
  'enable_cancel_on_failover',
  'use_queue_manager',
  'direct_mandatory_flag',
] as const;

/** Our queue manager's counter files go here, not in /dev/shm. */
const HOSTNAME = `decl-${process.pid}`;

/** Every combination of the flags, with the quorum limits, TTL and prefetch cycled through. */
function cases(): Array<{ name: string; options: Record<string, unknown> }> {
  const out = [];
  for (let bits = 0; bits < 1 << FLAGS.length; bits++) {
    const options: Record<string, unknown> = { hostname: HOSTNAME, processname: 'proc' };
    FLAGS.forEach((flag, i) => {
      options[flag] = (bits & (1 << i)) !== 0;
    });
    const quorumLimits = bits % 2 === 1;
    options.rabbit_quorum_delivery_limit = quorumLimits ? 5 : 0;
    options.rabbit_quorum_max_memory_length = quorumLimits ? 1000 : 0;
    options.rabbit_quorum_max_memory_bytes = quorumLimits ? 3_000_000_000 % 2 ** 31 : 0;
    options.rabbit_transient_queues_ttl = bits % 3 === 0 ? 0 : 60 + bits;
    options.rabbit_qos_prefetch_count = bits % 5 === 0 ? 0 : 10;
    out.push({ name: `case-${bits}`, options });
  }
  return out;
}

/** A table value as it goes on the wire (pyInt's typed numbers as plain numbers). */
function plain(table: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!table || Object.keys(table).length === 0) return table ? {} : null;
  return Object.fromEntries(
    Object.entries(table).map(([key, value]) => [
      key,
      typeof value === 'object' && value !== null && 'value' in value ? value.value : value,
    ]),
  );
}

/** Random and counter parts of names replaced, so runs compare. */
function normalName(name: string): string {
  return name.replace(/[0-9a-f]{32}$/, 'HEX').replace(/:\d+$/, ':N');
}

function queueRow(decl: QueueDecl, routingKey: string) {
  const options = decl.options;
  return {
    name: normalName(decl.name),
    durable: options.durable,
    auto_delete: options.autoDelete,
    exclusive: options.exclusive,
    arguments: plain(options.arguments) ?? {},
    // The stream's offset is the listener's (from "last", as oslo's Consumer).
    consume_arguments: decl.stream ? { 'x-stream-offset': 'last' } : plain(decl.consumeArguments),
    routing_key: routingKey,
  };
}

function exchangeRow(decl: ExchangeDecl) {
  return { name: decl.name, type: decl.type, durable: decl.options.durable, auto_delete: decl.options.autoDelete };
}

/** What our transport declares and publishes for `options` (as AmqpTransport.listen/publish do). */
function ours(options: Record<string, unknown>): Record<string, unknown> {
  const config = Object.freeze({ ...loadConfig([], {}).config, ...options }) as Config;
  let settings: AmqpSettings;
  try {
    settings = amqpSettings(config, parseTransportUrl('rabbit://h/'));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return { error: error.message };
  }
  const names = settings.queueManager ? new QueueManager(settings.queueManager) : undefined;
  const suffix = names ? () => names.next() : undefined;
  const server = serverTopology(settings, 'openstack', 'TOPIC', 'SERVER', suffix);
  const reply = replyQueue(settings, suffix);
  return {
    queues: [
      queueRow(server.topicQueue, 'TOPIC'),
      queueRow(server.serverQueue, 'TOPIC.SERVER'),
      queueRow(server.fanoutQueue, 'TOPIC'),
      queueRow(reply, ''),
    ],
    exchanges: [exchangeRow(server.exchange), exchangeRow(server.fanout)],
    publishes: [
      { exchange: exchangeRow(controlExchange(settings, 'openstack')), routing_key: 'TOPIC', mandatory: false },
      { exchange: exchangeRow(fanoutExchange(settings, 'TOPIC')), routing_key: null, mandatory: false },
      { routing_key: normalName(reply.name), mandatory: settings.directMandatory },
    ],
  };
}

/** oslo's output in the same shape (exchanges deduplicated; the never-declared direct exchange dropped). */
function theirs(line: Record<string, unknown>): Record<string, unknown> {
  if (typeof line.error === 'string') return { error: line.error };
  const queues = (line.queues as Array<Record<string, unknown>>).map((q) => ({ ...q, name: normalName(String(q.name)) }));
  const exchanges = [...new Map((line.exchanges as Array<Record<string, unknown>>).map((e) => [JSON.stringify(e), e])).values()];
  const publishes = (line.publishes as Array<Record<string, unknown>>).map((p) =>
    (p.exchange as { name: string }).name === '' ? { routing_key: normalName(String(p.routing_key)), mandatory: p.mandatory } : p,
  );
  return { queues, exchanges, publishes };
}

test('every option combination declares what oslo.messaging 16.1 declares, and the same ones are refused', async (t) => {
  const peer = await stagedTrixiePeer(t);
  if (!peer) return;
  t.after(async () => {
    for (const file of await readdir('/dev/shm')) if (file.startsWith(`${HOSTNAME}_`)) await rm(`/dev/shm/${file}`, { force: true });
  });
  const all = cases();
  const { file, args } = peer.command('oslo_declarations.py', []);
  const result = await execa(file, args, { input: JSON.stringify(all), timeout: 120_000 });
  const lines = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, all.length);

  let refused = 0;
  for (const [i, line] of lines.entries()) {
    const expected = theirs(line);
    const actual = ours(all[i]!.options);
    const label = `${String(line.name)} ${JSON.stringify(all[i]!.options)}`;
    if ('error' in expected || 'error' in actual) {
      // Both refuse the combination (oslo's RuntimeError, our ConfigError at start: exit 2).
      assert.ok(
        'error' in expected && 'error' in actual,
        `${label}: oslo ${String(expected.error ?? 'accepts')}, ours ${String(actual.error ?? 'accepts')}`,
      );
      refused++;
      continue;
    }
    assert.deepEqual(actual, expected, label);
  }
  // The matrix holds both kinds: combinations oslo refuses, and many it accepts.
  assert.ok(refused > 50 && refused < all.length - 100, `refused ${refused} of ${all.length}`);
});
