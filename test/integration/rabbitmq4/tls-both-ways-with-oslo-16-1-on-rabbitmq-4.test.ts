/**
 * TLS against today's broker and today's oslo: a private RabbitMQ 4 from the trixie root,
 * configured as 4.3 ships (transient non-exclusive queues denied), with a TLS listener that
 * verifies peers (verify_peer + fail_if_no_peer_cert) and certificates made by openssl in a
 * folder that the host and the root open by the same path. ONE oslo.config file with the set
 * oslo recommends for RabbitMQ 4 and the ssl options configures both sides: a Python
 * oslo.messaging 16.1 client calls and casts to our server, and our client calls and casts to a
 * Python 16.1 server, all over TLS (the broker lists every AMQP connection as TLS, with the
 * client certificate's subject). A wrong CA, a name the certificate does not hold and a missing
 * client certificate are refused with errors that say so; EXTERNAL logs in as the certificate's CN.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { RpcClient } from '../../../src/rpc/client.js';
import type { RequestContext } from '../../../src/rpc/context.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { AmqpTransport } from '../../../src/rpc/transports/amqp/index.js';
import { uniqueTopic } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';
import { runPythonClient, startPythonServer } from '../../helpers/python-peer.js';
import { startTlsBroker, tlsAttempts } from '../../helpers/tls-broker.js';
import { makeTestCerts } from '../../helpers/certs.js';
import { recommendedIni, removeQueueManagerCounters, samePathOnHost, stagedTrixiePeer } from './support.js';

class Endpoint {
  readonly target = { version: '1.3' };
  readonly casts: unknown[] = [];
  add(_ctx: RequestContext, args: { a: number; b: number }) {
    return args.a + args.b;
  }
  record(_ctx: RequestContext, args: { value: unknown }) {
    this.casts.push(args.value);
  }
}

interface ConnectionRow {
  ssl: boolean;
  peer_cert_subject: string;
  user: string;
  auth_mechanism: string;
  client_properties: unknown;
}

test('RabbitMQ 4 over TLS: oslo 16.1 and ours both ways from one file, refusals, EXTERNAL', { timeout: 90_000 }, async (t) => {
  const peer = await stagedTrixiePeer(t);
  if (!peer) return;
  const shared = await samePathOnHost(t, peer);
  // The server certificate names localhost only, so 127.0.0.1 is a name it does not hold.
  const certs = makeTestCerts('DNS:localhost', shared);
  const broker = await startTlsBroker(t, certs, ['client'], { rabbitmq4: true });
  // Cleanup hooks run in the order they were added, the broker's first; a RabbitMQ 4 that still
  // has clients takes seconds more to stop, so the test stops its clients itself at the end.
  const clients: Array<{ stop(): Promise<void> }> = [];
  const hostname = `tls4-${randomBytes(3).toString('hex')}`;
  removeQueueManagerCounters(t, hostname);
  const ini = join(shared, 'oslo.conf');
  await writeFile(
    ini,
    recommendedIni(hostname, shared, [
      'ssl = true',
      `ssl_ca_file = ${certs.caCert}`,
      `ssl_cert_file = ${certs.clientCert}`,
      `ssl_key_file = ${certs.clientKey}`,
    ]),
  );
  const conf = ['--config-file', ini];
  const url = `rabbit://guest:guest@localhost:${broker.tlsPort}/`;
  const { config } = loadConfig(conf, {});
  assert.equal(config.rabbit_ssl, true, 'our loader reads the [oslo_messaging_rabbit] ssl keys');
  assert.equal(config.rabbit_ssl_cert_file, certs.clientCert);
  assert.equal(config.rabbit_stream_fanout, true);

  const transport = new AmqpTransport({ url, config, logger: silentLogger() });
  t.after(() => transport.stop());
  clients.push(transport);
  await transport.start();

  await t.test('a Python 16.1 client calls and casts to our server over TLS', async () => {
    const topic = uniqueTopic('tls4-node');
    const endpoint = new Endpoint();
    const server = new RpcServer(transport, { topic, server: 'node-tls' }, [endpoint]);
    t.after(() => server.stop());
    clients.push(server);
    await server.start();
    const [add, cast, fanout] = await runPythonClient(
      url,
      [
        { op: 'call', topic, method: 'add', args: { a: 40, b: 2 } },
        { op: 'cast', topic, server: 'node-tls', method: 'record', args: { value: 'py-cast' } },
        { op: 'cast', topic, fanout: true, method: 'record', args: { value: 'py-fanout' } },
      ],
      30_000,
      conf,
      peer,
    );
    assert.deepEqual(add, { ...add, ok: true, result: 42 });
    assert.equal(cast?.ok, true);
    assert.equal(fanout?.ok, true);
    await until(
      'the cast and the fanout cast (stream) at our server',
      () => endpoint.casts.includes('py-cast') && endpoint.casts.includes('py-fanout'),
      { timeoutMs: 10_000 },
    );
  });

  await t.test('our client calls and casts to a Python 16.1 server over TLS', async () => {
    const topic = uniqueTopic('tls4-py');
    const python = await startPythonServer(t, url, topic, 'py-tls', conf, peer);
    clients.push(python);
    const client = new RpcClient(transport, { topic, version: '1.3' }, { timeoutSeconds: 15 });
    assert.equal(await client.call({}, 'add', { a: 2, b: 40 }), 42);
    await client.prepare({ server: 'py-tls' }).cast({}, 'record', { value: 'node-cast' });
    await python.waitEvent((event) => event.event === 'cast' && event.value === 'node-cast');

    // Every AMQP connection on the broker (ours and the Python server's) is TLS with the
    // client certificate; the broker has no other way in for them (guest's TCP port is unused).
    const rows = JSON.parse(
      await broker.ctl('list_connections', 'ssl', 'peer_cert_subject', 'user', 'client_properties', '--formatter', 'json'),
    ) as ConnectionRow[];
    assert.ok(rows.length >= 2, `ours and the Python server's connections: ${JSON.stringify(rows)}`);
    assert.ok(
      rows.some((row) => JSON.stringify(row.client_properties).includes(transport.connectionName)),
      'our connection is listed',
    );
    for (const row of rows) {
      assert.equal(row.ssl, true, `a TLS connection: ${JSON.stringify(row)}`);
      assert.equal(row.peer_cert_subject, 'CN=client');
    }
  });

  const { attempt, refused } = tlsAttempts(t, config, (transport) => clients.push(transport));

  await t.test('a wrong CA is refused', () =>
    refused(url, { rabbit_ssl_ca_file: join(certs.dir, 'other-ca.pem') }, /TLS verification failed: the broker certificate .*ssl_ca_file/),
  );

  await t.test('a name the certificate does not hold is refused with ssl_enforce_hostname_verification', async () => {
    await refused(
      url.replace('localhost', '127.0.0.1'),
      { rabbit_ssl_enforce_hostname_verification: true },
      /does not name the host .*127\.0\.0\.1/,
    );
    assert.ok(
      (await attempt(url, { rabbit_ssl_enforce_hostname_verification: true })) instanceof AmqpTransport,
      'the name it holds passes',
    );
  });

  await t.test('no client certificate: the broker refuses the handshake (fail_if_no_peer_cert)', () =>
    refused(url, { rabbit_ssl_cert_file: '', rabbit_ssl_key_file: '' }, /TLS handshake failed: .*certificate/),
  );

  await t.test("EXTERNAL logs in as the client certificate's CN", async () => {
    const external = await attempt(`rabbit://localhost:${broker.tlsPort}/`, { rabbit_login_method: 'EXTERNAL' });
    assert.ok(external instanceof AmqpTransport, String(external));
    const rows = JSON.parse(
      await broker.ctl('list_connections', 'ssl', 'user', 'auth_mechanism', 'client_properties', '--formatter', 'json'),
    ) as ConnectionRow[];
    const row = rows.find((r) => JSON.stringify(r.client_properties).includes(external.connectionName));
    assert.deepEqual(row && { ssl: row.ssl, user: row.user, auth_mechanism: row.auth_mechanism }, {
      ssl: true,
      user: 'client',
      auth_mechanism: 'EXTERNAL',
    });
    // A certificate whose CN is no broker user cannot log in that way.
    const stranger = { rabbit_ssl_cert_file: certs.strangerCert, rabbit_ssl_key_file: certs.strangerKey, rabbit_login_method: 'EXTERNAL' };
    assert.ok((await attempt(`rabbit://localhost:${broker.tlsPort}/`, stranger)) instanceof Error);
  });

  for (const client of clients.reverse()) await client.stop();
});
