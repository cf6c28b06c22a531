/**
 * TLS (issue 3): ssl_cert_file + ssl_key_file serve HTTPS on the handed-over sockets, with
 * keep-alive and graceful stop; ssl_ca_file requires a client certificate signed by that CA.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { after, before, test } from 'node:test';
import { makeTestCerts, type TestCerts } from '../../helpers/certs.js';
import { hello, serve } from './serve.js';

let certs: TestCerts;
before(() => {
  certs = makeTestCerts();
});
after(() => certs?.remove());

interface Reply {
  status: number;
  body: string;
  connection: string | undefined;
  socketPort: number | undefined;
}

function httpsGet(port: number, options: { cert?: string; key?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        agent: options.agent ?? false,
        ca: readFileSync(certs.caCert),
        cert: options.cert ? readFileSync(options.cert) : undefined,
        key: options.key ? readFileSync(options.key) : undefined,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection, socketPort: res.socket?.localPort }),
        );
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS with keep-alive, and a graceful stop over TLS', async (t) => {
  const { port, service } = await serve(t, hello, { ssl_cert_file: certs.serverCert, ssl_key_file: certs.serverKey });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const first = await httpsGet(port, { agent });
  const second = await httpsGet(port, { agent });
  assert.equal(first.status, 200);
  assert.equal(first.body, 'hello');
  assert.equal(second.socketPort, first.socketPort, 'the TLS connection was reused');
  assert.equal(service.stats.connections, 1);
  await service.stop({ timeoutMs: 2000 });
  assert.equal(service.stats.connections, 0, 'the idle TLS connection was closed by the drain');
});

test('with ssl_ca_file, a client certificate signed by the CA is accepted and others are refused', async (t) => {
  const { port, logs } = await serve(t, hello, {
    ssl_cert_file: certs.serverCert,
    ssl_key_file: certs.serverKey,
    ssl_ca_file: certs.caCert,
  });
  const ok = await httpsGet(port, { cert: certs.clientCert, key: certs.clientKey });
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'hello');

  await assert.rejects(httpsGet(port), (error: NodeJS.ErrnoException) => {
    assert.ok(error.code !== undefined, `refused without a certificate: ${error.message}`);
    return true;
  });
  await assert.rejects(httpsGet(port, { cert: certs.strangerCert, key: certs.strangerKey }), 'refused with a foreign CA');
  assert.ok(logs.some((line) => line.msg === 'TLS handshake failed' || line.msg === 'client connection error'));
});

test('a TLS client that never finishes its handshake is closed at stop without waiting', async (t) => {
  const { port, service } = await serve(t, hello, { ssl_cert_file: certs.serverCert, ssl_key_file: certs.serverKey });
  const raw = tcpConnect(port, '127.0.0.1');
  t.after(() => raw.destroy());
  raw.on('error', () => undefined);
  await new Promise((resolve) => raw.once('connect', resolve));
  const closed = new Promise((resolve) => raw.once('close', resolve));
  const began = performance.now();
  await service.stop({ timeoutMs: 5000 });
  await closed;
  assert.ok(performance.now() - began < 1000, 'the half-open handshake did not hold the stop');
});
