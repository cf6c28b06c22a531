/**
 * The options of getRpcTransport()/transportConfig() (src/rpc/transports/transport-config.ts):
 * flat names, oslo's [oslo_messaging_rabbit] keys (which win over the HTTPS options of the same
 * flat name) and sections as objects, all checked by the launcher's loader.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overridesFrom, transportConfig } from '../../../src/rpc/transports/transport-config.js';

test('flat names, [oslo_messaging_rabbit] keys and sections map to options', () => {
  assert.deepEqual(overridesFrom({ rabbit_quorum_queue: true, ssl: true, ssl_ca_file: '/ca.pem', embedded_socket: '/s' }), {
    rabbit_quorum_queue: true,
    rabbit_ssl: true,
    rabbit_ssl_ca_file: '/ca.pem',
    embedded_socket: '/s',
  });
  assert.deepEqual(
    overridesFrom({
      oslo_messaging_notifications: { transport_url: 'rabbit://n/', topics: ['a', 'b'] },
      DEFAULT: { transport_url: 'rabbit://r/' },
      wsgi: { ssl_ca_file: '/https-ca.pem' },
    }),
    {
      notification_transport_url: 'rabbit://n/',
      notification_topics: 'a,b',
      transport_url: 'rabbit://r/',
      ssl_ca_file: '/https-ca.pem',
    },
  );
  const config = transportConfig({
    config: { oslo_messaging_rabbit: { ssl: true, heartbeat_timeout_threshold: 30 }, notification_topics: ['x', 'y'] },
    env: {},
  });
  assert.deepEqual([config.rabbit_ssl, config.heartbeat_timeout_threshold, config.notification_topics], [true, 30, ['x', 'y']]);
});

test('unknown names and bad values are ConfigErrors naming the option', () => {
  assert.throws(() => overridesFrom({ rabbit_quorum_queues: true }), {
    code: 'ERR_CONFIG_USAGE',
    message: 'unknown option rabbit_quorum_queues',
  });
  assert.throws(() => overridesFrom({ oslo_messaging_rabbit: { workers: 2 } }), {
    message: 'unknown option workers in section [oslo_messaging_rabbit]',
  });
  assert.throws(() => overridesFrom({ no_section: { a: 1 } }), { message: 'unknown option no_section (neither an option nor a section)' });
  assert.throws(() => transportConfig({ config: { heartbeat_timeout_threshold: -1 }, env: {} }), {
    code: 'ERR_CONFIG_INVALID',
    option: 'heartbeat_timeout_threshold',
  });
  assert.throws(() => transportConfig({ config: { rabbit_ha_queues: true, rabbit_quorum_queue: true }, env: {} }), {
    option: 'rabbit_quorum_queue',
  });
});

test('the environment is read unless env is given', () => {
  assert.equal(transportConfig({ env: { OSLO_NODE_TRANSPORT_URL: 'rabbit://e/' } }).transport_url, 'rabbit://e/');
  assert.equal(transportConfig({ env: {} }).transport_url, undefined);
});
