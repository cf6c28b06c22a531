// Issue 14, low item: [ssl] version and ciphers as oslo.service has them, and a passphrase for
// an encrypted key; an encrypted key without it is exit 2 blaming the key file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { exitsWithTwo, startLauncher } from '../../helpers/launcher.js';
import { makeTestCerts, type TestCerts } from '../../helpers/certs.js';

const PASSPHRASE = 'Sup3rPassphrase';

function certsWithEncryptedKey(t: TestContext): TestCerts & { encryptedKey: string } {
  const certs = makeTestCerts();
  t.after(() => certs.remove());
  const encryptedKey = join(certs.dir, 'server-encrypted.key');
  execFileSync('openssl', ['pkey', '-in', certs.serverKey, '-aes256', '-passout', `pass:${PASSPHRASE}`, '-out', encryptedKey]);
  return { ...certs, encryptedKey };
}

async function handshake(
  port: number,
  ca: string,
  options: { minVersion?: 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {},
): Promise<TLSSocket> {
  const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(ca), servername: 'localhost', ...options });
  socket.on('error', () => undefined);
  const [outcome] = await Promise.race([
    once(socket, 'secureConnect').then(() => ['ok']),
    once(socket, 'error').then(([error]) => [error as Error]),
  ]);
  if (outcome !== 'ok') throw outcome;
  return socket;
}

test('an encrypted key without ssl_key_passphrase, or with a wrong one, is exit 2 blaming the key file', async (t) => {
  const certs = certsWithEncryptedKey(t);
  const files = ['--ssl-cert-file', certs.serverCert, '--ssl-key-file', certs.encryptedKey];
  assert.match(await exitsWithTwo(t, files), /key_file .*server-encrypted\.key is encrypted: set ssl_key_passphrase/);
  const wrong = await exitsWithTwo(t, files, { OSLO_NODE_SSL_KEY_PASSPHRASE: 'Wr0ngPassphrase' });
  assert.match(wrong, /key_file .*server-encrypted\.key cannot be decrypted with ssl_key_passphrase/);
  assert.doesNotMatch(wrong, /Wr0ngPassphrase|cert_file/);
});

test('[ssl] version pins TLS 1.2 and [ssl] ciphers picks the cipher; the passphrase comes from the config file', async (t) => {
  const certs = certsWithEncryptedKey(t);
  const conf = join(certs.dir, 'https.conf');
  writeFileSync(
    conf,
    `[wsgi]\nssl_cert_file = ${certs.serverCert}\nssl_key_file = ${certs.encryptedKey}\nssl_key_passphrase = ${PASSPHRASE}\n[ssl]\nversion = TLSv1_2\nciphers = ECDHE-ECDSA-AES128-GCM-SHA256\n`,
    { mode: 0o600 },
  );
  const launcher = await startLauncher(['--workers', '1', '--config-file', conf]);
  t.after(() => launcher.kill());
  assert.doesNotMatch(JSON.stringify(launcher.lines), new RegExp(PASSPHRASE));

  const socket = await handshake(launcher.port, certs.caCert);
  t.after(() => socket.destroy());
  assert.equal(socket.getProtocol(), 'TLSv1.2');
  assert.equal(socket.getCipher().name, 'ECDHE-ECDSA-AES128-GCM-SHA256');
  await assert.rejects(handshake(launcher.port, certs.caCert, { minVersion: 'TLSv1.3' }), /alert|version|handshake/i);
});

test('an [ssl] version or ciphers value node cannot use is exit 2 naming the option', async (t) => {
  const certs = certsWithEncryptedKey(t);
  const files = ['--ssl-cert-file', certs.serverCert, '--ssl-key-file', certs.serverKey];
  assert.match(
    await exitsWithTwo(t, [...files, '--ssl-version', 'SSLv3']),
    /invalid value for option ssl_version \(\[ssl\] version\): "SSLv3"/,
  );
  assert.match(
    await exitsWithTwo(t, [...files, '--ssl-ciphers', 'NO-SUCH-CIPHER']),
    /invalid value for option ssl_ciphers \(\[ssl\] ciphers\)/,
  );
});
