/**
 * Test certificates made with the `openssl` CLI into a temp dir: a CA, a server certificate for
 * 127.0.0.1/localhost and a client certificate signed by it, and a client certificate signed by
 * an unrelated CA. EC P-256 keys keep it fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  strangerCert: string;
  strangerKey: string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

function keyAndCsr(dir: string, name: string, cn: string): void {
  openssl(dir, [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  ]);
}

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
}

function sign(dir: string, name: string, ca: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

/**
 * Generate the set; call remove() (register it with t.after) when done. `serverAltNames`
 * replaces the server certificate's names (the broker TLS test leaves 127.0.0.1 out); `parent`
 * the folder the set's own folder is made in (default: the system temp dir), e.g. one that a
 * broker in the trixie root can read too.
 */
export function makeTestCerts(serverAltNames = 'IP:127.0.0.1,DNS:localhost', parent = tmpdir()): TestCerts {
  const dir = mkdtempSync(join(parent, 'oslo-node-certs-'));
  selfSignedCa(dir, 'ca');
  selfSignedCa(dir, 'other-ca');
  keyAndCsr(dir, 'server', 'localhost');
  sign(dir, 'server', 'ca', `subjectAltName=${serverAltNames}\nextendedKeyUsage=serverAuth\n`);
  keyAndCsr(dir, 'client', 'client');
  sign(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n');
  keyAndCsr(dir, 'stranger', 'stranger');
  sign(dir, 'stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  const at = (file: string): string => join(dir, file);
  return {
    dir,
    caCert: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    strangerCert: at('stranger.pem'),
    strangerKey: at('stranger.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
