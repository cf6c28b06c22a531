/**
 * RabbitMQ over TLS with oslo's [oslo_messaging_rabbit] ssl options, against a broker that
 * verifies client certificates (verify_peer, fail_if_no_peer_cert), with certificates made by
 * openssl: the right CA connects and messages flow over TLS; a wrong CA, a name the certificate
 * does not hold (with ssl_enforce_hostname_verification) and a missing client certificate are
 * refused with errors that say so; EXTERNAL logs in as the certificate's CN; a Python oslo
 * server configured by the same INI file answers our calls over the same broker.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { uniqueTopic, withBroker } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';
import { startPythonServer } from '../../helpers/python-peer.js';
import { startTlsBroker, tlsAttempts } from '../../helpers/tls-broker.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { AmqpTransport } from '../../../src/rpc/transports/amqp/index.js';
import { makeTestCerts } from '../../helpers/certs.js';

test('broker TLS: verification both ways, EXTERNAL login, and a Python peer on the same broker', { timeout: 90_000 }, async (t) => {
  // A private broker of its own; the shared one tells whether RabbitMQ is there (CI: must be).
  if (!(await withBroker(t))) return;
  // The server certificate names localhost only, so 127.0.0.1 is a name it does not hold.
  const certs = makeTestCerts('DNS:localhost');
  t.after(() => certs.remove());
  const broker = await startTlsBroker(t, certs, ['client']);
  const at = (host: string): string => `amqps://guest:guest@${host}:${broker.tlsPort}/`;
  const good = { rabbit_ssl_ca_file: certs.caCert, rabbit_ssl_cert_file: certs.clientCert, rabbit_ssl_key_file: certs.clientKey };

  const { attempt, refused } = tlsAttempts(t, loadConfig([], {}).config);

  await t.test('the right CA and a client certificate connect, and messages flow over TLS', async () => {
    const transport = await attempt(at('localhost'), good);
    assert.ok(transport instanceof AmqpTransport, String(transport));
    const topic = uniqueTopic('tls');
    const got: string[] = [];
    const listener = await transport.listen({ exchange: 'openstack', topic, server: 'tls-node' }, (delivery) => {
      got.push(delivery.body.toString());
      delivery.ack();
    });
    t.after(() => listener.stop());
    await transport.publish({ target: { exchange: 'openstack', topic }, body: '"over-tls"' });
    await until('the message over TLS', () => got.includes('"over-tls"'), { timeoutMs: 5000 });
    const connections = JSON.parse(
      await broker.ctl('list_connections', 'ssl', 'user', 'client_properties', '--formatter', 'json'),
    ) as Array<Record<string, unknown>>;
    const ours = connections.find((row) => JSON.stringify(row.client_properties).includes(transport.connectionName));
    assert.equal(ours?.ssl, true, 'the broker sees our connection as TLS');
    // Without ssl_enforce_hostname_verification (oslo's default) the name is not checked.
    assert.ok((await attempt(at('127.0.0.1'), good)) instanceof AmqpTransport, 'oslo does not check the name by default');
    // The ssl option turns TLS on for a rabbit:// URL, with PLAIN login.
    assert.ok(
      (await attempt(`rabbit://guest:guest@localhost:${broker.tlsPort}/`, {
        ...good,
        rabbit_ssl: true,
        rabbit_login_method: 'PLAIN',
      })) instanceof AmqpTransport,
    );
  });

  await t.test('a wrong CA is refused', () =>
    refused(
      at('localhost'),
      { ...good, rabbit_ssl_ca_file: join(certs.dir, 'other-ca.pem') },
      /TLS verification failed: the broker certificate .*ssl_ca_file/,
    ),
  );

  await t.test('a name the certificate does not hold is refused with ssl_enforce_hostname_verification', () =>
    refused(at('127.0.0.1'), { ...good, rabbit_ssl_enforce_hostname_verification: true }, /does not name the host .*127\.0\.0\.1/),
  );

  await t.test('no client certificate: the broker refuses the handshake', () =>
    refused(at('localhost'), { rabbit_ssl_ca_file: certs.caCert }, /TLS handshake failed: .*certificate/),
  );

  await t.test("EXTERNAL logs in as the client certificate's CN", async () => {
    const transport = await attempt(`amqps://localhost:${broker.tlsPort}/`, { ...good, rabbit_login_method: 'EXTERNAL' });
    assert.ok(transport instanceof AmqpTransport, String(transport));
    const connections = JSON.parse(
      await broker.ctl('list_connections', 'user', 'auth_mechanism', 'client_properties', '--formatter', 'json'),
    ) as Array<Record<string, unknown>>;
    const ours = connections.find((row) => JSON.stringify(row.client_properties).includes(transport.connectionName));
    assert.equal(ours?.user, 'client');
    assert.equal(ours?.auth_mechanism, 'EXTERNAL');
    // A certificate whose CN is no broker user cannot log in that way.
    const stranger = {
      ...good,
      rabbit_ssl_cert_file: join(certs.dir, 'stranger.pem'),
      rabbit_ssl_key_file: join(certs.dir, 'stranger.key'),
    };
    assert.ok((await attempt(`amqps://localhost:${broker.tlsPort}/`, { ...stranger, rabbit_login_method: 'EXTERNAL' })) instanceof Error);
  });

  await t.test('a Python oslo server and we share one INI file and the TLS broker', async () => {
    const ini = join(certs.dir, 'service.conf');
    writeFileSync(
      ini,
      [
        '[oslo_messaging_rabbit]',
        'ssl = true',
        `ssl_ca_file = ${certs.caCert}`,
        `ssl_cert_file = ${certs.clientCert}`,
        `ssl_key_file = ${certs.clientKey}`,
        '',
      ].join('\n'),
    );
    const url = `rabbit://guest:guest@localhost:${broker.tlsPort}/`;
    const topic = uniqueTopic('tls-py');
    const python = await startPythonServer(t, url, topic, 'py-tls', ['--config-file', ini]);
    const { config } = loadConfig(['--config-file', ini], {});
    assert.equal(config.rabbit_ssl, true, 'our loader reads the [oslo_messaging_rabbit] ssl keys');
    assert.equal(config.rabbit_ssl_ca_file, certs.caCert);
    const transport = new AmqpTransport({ url, config, logger: silentLogger() });
    t.after(() => transport.stop());
    await transport.start();
    const client = new RpcClient(transport, { topic, version: '1.3' }, { timeoutSeconds: 10 });
    assert.equal(await client.call({}, 'add', { a: 40, b: 2 }), 42);
    await client.prepare({ server: 'py-tls' }).cast({}, 'record', { value: 'tls-cast' });
    await python.waitEvent((event: Record<string, unknown>) => event.event === 'cast' && event.value === 'tls-cast');
  });
});
