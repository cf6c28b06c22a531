/** loadTlsOptions: the seed's messages for missing files and a cert without a key (issue 3). */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, ErrorCodes } from '../../../src/errors.js';
import { loadTlsOptions } from '../../../src/http/tls.js';
import { makeSelfSignedCert } from '../../helpers/certs.js';

let made: ReturnType<typeof makeSelfSignedCert> | undefined;
let dir: string;
let cert: string;
let key: string;
before(() => {
  made = makeSelfSignedCert('oslo-node-tls-unit-');
  ({ cert, key } = made);
  dir = dirname(cert);
});
after(() => made?.remove());

const none = { ssl_cert_file: undefined, ssl_key_file: undefined, ssl_ca_file: undefined };

function expectTlsError(config: typeof none | Record<string, string | undefined>, message: string, option: string): void {
  assert.throws(
    () => loadTlsOptions({ ...none, ...config }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, ErrorCodes.HTTP_TLS);
      assert.equal(error.message, message);
      assert.equal(error.option, option);
      return true;
    },
  );
}

test('no TLS option means plain HTTP', () => {
  assert.equal(loadTlsOptions(none), undefined);
});

test('a missing cert, key or CA file is named with the seed message', () => {
  const missing = join(tmpdir(), 'no-such-dir-oslo-node', 'x.pem');
  expectTlsError({ ssl_cert_file: missing, ssl_key_file: key }, `Unable to find cert_file : ${missing}`, 'ssl_cert_file');
  expectTlsError({ ssl_cert_file: cert, ssl_key_file: missing }, `Unable to find key_file : ${missing}`, 'ssl_key_file');
  expectTlsError({ ssl_cert_file: cert, ssl_key_file: key, ssl_ca_file: missing }, `Unable to find ca_file : ${missing}`, 'ssl_ca_file');
});

test('a cert without a key, a key without a cert, or a CA alone asks for both', () => {
  const both = 'When running server in SSL mode, you must specify both a cert_file and key_file option value in your configuration file';
  expectTlsError({ ssl_cert_file: cert }, both, 'ssl_key_file');
  expectTlsError({ ssl_key_file: key }, both, 'ssl_cert_file');
  expectTlsError({ ssl_ca_file: cert }, both, 'ssl_cert_file');
});

test('a file that is not PEM is refused at load time', () => {
  const junk = join(dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  assert.throws(() => loadTlsOptions({ ...none, ssl_cert_file: junk, ssl_key_file: key }), /Invalid TLS files/);
});

test('cert and key give server options; a CA turns on client-certificate verification', () => {
  const plain = loadTlsOptions({ ...none, ssl_cert_file: cert, ssl_key_file: key });
  assert.ok(plain?.cert && plain.key);
  assert.equal(plain.requestCert, undefined);
  const mutual = loadTlsOptions({ ssl_cert_file: cert, ssl_key_file: key, ssl_ca_file: cert });
  assert.equal(mutual?.requestCert, true);
  assert.equal(mutual?.rejectUnauthorized, true);
});
