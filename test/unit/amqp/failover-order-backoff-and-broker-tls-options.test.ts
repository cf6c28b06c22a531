/**
 * kombu_failover_strategy's host order, the reconnect waits (kombu_reconnect_delay, backoff per
 * failed cycle, jitter), and the [oslo_messaging_rabbit] ssl* / login options as oslo names
 * them in the INI file and the transport URL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { HostCycle, jittered, reconnectWaitMs } from '../../../src/rpc/transports/amqp/failover.js';
import { amqpSettings } from '../../../src/rpc/transports/amqp/settings.js';
import { parseTransportUrl } from '../../../src/rpc/transports/amqp/url.js';

/** A repeatable random sequence (LCG). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const take = <T>(cycle: HostCycle<T>, n: number): T[] => Array.from({ length: n }, () => cycle.next());

test('round-robin: one shuffled order, repeated; every host once per cycle', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  const cycle = new HostCycle(hosts, { strategy: 'round-robin', random: seeded(7) });
  const first = take(cycle, 5);
  assert.deepEqual([...first].sort(), hosts);
  assert.deepEqual(take(cycle, 10), [...first, ...first]);
  // Like oslo's random.shuffle(url.hosts): different processes start on different nodes.
  const starts = new Set(
    Array.from({ length: 40 }, (_, i) => new HostCycle(hosts, { strategy: 'round-robin', random: seeded(i + 1) }).next()),
  );
  assert.ok(starts.size >= 3, `start hosts spread over the cluster: ${[...starts].join(',')}`);
});

test('shuffle: every cycle visits each host once, in a new order', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  const cycle = new HostCycle(hosts, { strategy: 'shuffle', random: seeded(3) });
  const cycles = Array.from({ length: 6 }, () => take(cycle, 5));
  for (const one of cycles) assert.deepEqual([...one].sort(), hosts);
  assert.ok(new Set(cycles.map((one) => one.join(''))).size > 1, 'orders differ between cycles');
});

test('reconnect waits: kombu_reconnect_delay first, other hosts at once, backoff per failed cycle, all with jitter', () => {
  const timing = { retryIntervalMs: 1000, retryBackoffMs: 2000, intervalMaxMs: 4000, reconnectDelayMs: 1000, reconnectSplayMs: 0 };
  const top = () => 1 - Number.EPSILON;
  const bottom = () => 0;
  // 3 hosts: attempt 0 waits the reconnect delay, 1 and 2 try the next hosts at once,
  // 3 starts cycle 2 after rabbit_retry_interval, 6 after +rabbit_retry_backoff, then the cap.
  const upper = [0, 1, 2, 3, 4, 5, 6, 9, 12].map((n) => Math.round(reconnectWaitMs(timing, n, 3, top)));
  assert.deepEqual(upper, [1000, 0, 0, 1000, 0, 0, 3000, 4000, 4000]);
  const lower = [0, 3, 6, 9].map((n) => Math.round(reconnectWaitMs(timing, n, 3, bottom)));
  assert.deepEqual(lower, [500, 500, 1500, 2000], 'jitter takes each wait down to half at most');
  // Many clients that lost the same node spread out instead of reconnecting together.
  const random = seeded(11);
  const waits = Array.from({ length: 1000 }, () => reconnectWaitMs(timing, 0, 3, random));
  assert.ok(Math.min(...waits) >= 500 && Math.max(...waits) <= 1000);
  const buckets = new Set(waits.map((wait) => Math.floor(wait / 50)));
  assert.ok(buckets.size >= 10, `waits spread over the interval (${buckets.size} of 10 buckets)`);
  assert.equal(
    jittered(1000, 500, () => 0.5),
    750 + 250,
    'kombu_reconnect_splay adds 0..splay',
  );
});

test('the [oslo_messaging_rabbit] ssl keys set the broker options, [wsgi] ones the HTTPS ones', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-rabbit-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'a.conf');
  writeFileSync(
    file,
    [
      '[wsgi]',
      'ssl_cert_file = /http/cert.pem',
      '[oslo_messaging_rabbit]',
      'ssl = true',
      'ssl_cert_file = /broker/cert.pem',
      'ssl_version = TLSv1_2',
      'rabbit_login_method = PLAIN',
      'kombu_failover_strategy = shuffle',
      'kombu_reconnect_delay = 0.5',
      'heartbeat_rate = 4',
      '',
    ].join('\n'),
  );
  const { config, unknownFileKeys } = loadConfig(['--config-file', file], {});
  assert.deepEqual(unknownFileKeys, []);
  assert.equal(config.ssl_cert_file, '/http/cert.pem');
  assert.equal(config.rabbit_ssl_cert_file, '/broker/cert.pem');
  assert.equal(config.rabbit_ssl, true);
  const settings = amqpSettings(config, parseTransportUrl('rabbit://h/'));
  assert.deepEqual(
    [
      settings.tls.enabled,
      settings.tls.version,
      settings.loginMethod,
      settings.failoverStrategy,
      settings.reconnectDelayMs,
      settings.heartbeatRate,
    ],
    [true, 'TLSv1.2', 'PLAIN', 'shuffle', 500, 4],
  );
  // oslo's defaults.
  const defaults = amqpSettings(loadConfig([], {}).config, parseTransportUrl('rabbit://h/'));
  assert.deepEqual(
    [
      defaults.tls.enabled,
      defaults.tls.enforceHostname,
      defaults.loginMethod,
      defaults.failoverStrategy,
      defaults.reconnectDelayMs,
      defaults.heartbeatRate,
    ],
    [false, false, 'AMQPLAIN', 'round-robin', 1000, 3],
  );
  // The URL query takes oslo's names too.
  assert.equal(
    amqpSettings(loadConfig([], {}).config, parseTransportUrl('rabbit://h/?ssl=true&ssl_ca_file=/ca.pem')).tls.caFile,
    '/ca.pem',
  );
  assert.throws(
    () => amqpSettings(loadConfig([], {}).config, parseTransportUrl('rabbit://h/?ssl_version=TLSv9')),
    (error: unknown) => error instanceof ConfigError && /ssl_version: "TLSv9"/.test(error.message),
  );
  assert.throws(() => loadConfig(['--kombu-failover-strategy', 'sideways'], {}), ConfigError);
});
