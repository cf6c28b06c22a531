/** oslo transport URLs: defaults, several hosts, vhosts, percent-encoding, query options, errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/errors.js';
import { parseTransportUrl, describeHost } from '../../../src/rpc/transports/amqp/url.js';

test('rabbit://user:pass@host:port/vhost', () => {
  const url = parseTransportUrl('rabbit://nova:s3cret@mq.example:5673/prod');
  assert.deepEqual(url.hosts, [{ hostname: 'mq.example', port: 5673, username: 'nova', password: 's3cret', tls: false }]);
  assert.equal(url.vhost, 'prod');
  assert.deepEqual({ ...url.query }, {});
});

test('the port defaults to 5672, an empty path is vhost "/", no credentials mean guest', () => {
  for (const text of ['rabbit://localhost', 'rabbit://localhost/', 'amqp://localhost']) {
    const url = parseTransportUrl(text);
    assert.equal(url.vhost, '/');
    assert.deepEqual(url.hosts, [{ hostname: 'localhost', port: 5672, username: 'guest', password: 'guest', tls: false }]);
  }
  assert.equal(parseTransportUrl('rabbit://').hosts[0]!.hostname, 'localhost', "oslo's default transport_url");
});

test('several hosts separated by commas keep their order and own credentials', () => {
  const url = parseTransportUrl('rabbit://a:1@h1:5672,b:2@h2,h3:5674/vh');
  assert.deepEqual(
    url.hosts.map((h) => [h.username, h.password, h.hostname, h.port]),
    [
      ['a', '1', 'h1', 5672],
      ['b', '2', 'h2', 5672],
      ['guest', 'guest', 'h3', 5674],
    ],
  );
  assert.equal(url.vhost, 'vh');
});

test('percent-encoded user, password and vhost are decoded; IPv6 hosts keep their brackets out', () => {
  const url = parseTransportUrl('amqp://us%40er:p%3Ass%2Fw@[::1]:5680/%2Fnova');
  assert.deepEqual(url.hosts[0], { hostname: '::1', port: 5680, username: 'us@er', password: 'p:ss/w', tls: false });
  assert.equal(url.vhost, '/nova');
  assert.equal(describeHost(url.hosts[0]!), 'amqp://us@er@[::1]:5680');
});

test('amqps:// and rabbit+ssl:// use TLS and port 5671 by default', () => {
  assert.deepEqual([parseTransportUrl('amqps://h').hosts[0]!.port, parseTransportUrl('amqps://h').hosts[0]!.tls], [5671, true]);
  assert.equal(parseTransportUrl('rabbit+ssl://h').hosts[0]!.tls, true);
});

test('query parameters are kept, first value wins', () => {
  const url = parseTransportUrl('rabbit://h/?amqp_durable_queues=true&heartbeat_timeout_threshold=10&heartbeat_timeout_threshold=20');
  assert.deepEqual({ ...url.query }, { amqp_durable_queues: 'true', heartbeat_timeout_threshold: '10' });
});

test('malformed URLs throw a ConfigError naming transport_url, without the password', () => {
  // Issue 14, item 3: `p%zzS3cret` used to come back whole in the message; a password with a
  // `/` or no `@` was not recognised as one by the redaction.
  const cases = [
    'localhost:5672',
    'http://h/',
    'rabbit://u:topsecret@h:99999/',
    'rabbit://u:topsecret@h:abc/',
    'rabbit://u:p%zztopsecret@h/',
    'rabbit://u:top/secret@h/',
    'rabbit://u:topsecret',
    'rabbit://h/v%zztopsecret',
  ];
  for (const bad of cases) {
    assert.throws(
      () => parseTransportUrl(bad),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, bad);
        assert.equal(error.option, 'transport_url');
        assert.ok(!/topsecret|top\/secret/.test(error.message), error.message);
        return true;
      },
    );
  }
  assert.throws(() => parseTransportUrl('rabbit://u:p%zztopsecret@h/'), /bad percent-encoding in the password of host 1/);
  assert.throws(() => parseTransportUrl('rabbit://u:topsecret'), /the port of host 1 is not a number/);
});
