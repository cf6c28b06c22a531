/**
 * Throwaway certificates made with the `openssl` CLI (EC P-256 keys keep it fast), for the TLS
 * tests and the HTTPS benchmarks (scripts/bench-http*.mjs import the built copy,
 * dist/test/helpers/certs.js): one self-signed certificate, or a set with a CA, server and
 * client certificates it signed and a client certificate from an unrelated CA, or the pieces
 * (selfSigned, signed) for a set of another shape.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key (PEM files). */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

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

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = ['-days', '2'];

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/** A new folder for certificates in `parent` (default: the system temp dir), and its removal. */
export function certFolder(prefix = 'oslo-node-certs-', parent = tmpdir()): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(parent, prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `<name>.pem` and `<name>.key` in `dir`: self-signed (a CA, or a certificate on its own), for `cn` and the subjectAltName `altNames`. */
export function selfSigned(dir: string, name: string, options: { cn?: string; altNames?: string } = {}): CertFiles {
  const names = options.altNames ? ['-addext', `subjectAltName=${options.altNames}`] : [];
  openssl(dir, [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    ...DAYS,
    '-subj',
    `/CN=${options.cn ?? name}`,
    ...names,
  ]);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** `<name>.pem` and `<name>.key` in `dir`, for `cn`, signed by the CA `<ca>.pem`; `ext`: the extensions (x509v3_config lines). */
export function signed(dir: string, name: string, ca: string, options: { cn: string; ext: string }): CertFiles {
  openssl(dir, ['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${options.cn}`]);
  writeFileSync(join(dir, `${name}.ext`), options.ext);
  const ca_ = ['-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial'];
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, ...ca_, '-out', `${name}.pem`, ...DAYS, '-extfile', `${name}.ext`]);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** One self-signed certificate for 127.0.0.1 and localhost; call remove() when done. */
export function makeSelfSignedCert(prefix = 'oslo-node-cert-'): CertFiles & { remove(): void } {
  const folder = certFolder(prefix);
  return { ...selfSigned(folder.dir, 'server', { cn: 'localhost', altNames: 'IP:127.0.0.1,DNS:localhost' }), remove: folder.remove };
}

/**
 * A CA, a server certificate and a client certificate it signed, and a client certificate signed
 * by an unrelated CA; call remove() (register it with t.after) when done. `serverAltNames`
 * replaces the server certificate's names (the broker TLS test leaves 127.0.0.1 out); `parent`
 * the folder the set's own folder is made in (default: the system temp dir), e.g. one that a
 * broker in the trixie root can read too.
 */
export function makeTestCerts(serverAltNames = 'IP:127.0.0.1,DNS:localhost', parent = tmpdir()): TestCerts {
  const { dir, remove } = certFolder('oslo-node-certs-', parent);
  const ca = selfSigned(dir, 'ca');
  selfSigned(dir, 'other-ca');
  const server = signed(dir, 'server', 'ca', { cn: 'localhost', ext: `subjectAltName=${serverAltNames}\nextendedKeyUsage=serverAuth\n` });
  const client = signed(dir, 'client', 'ca', { cn: 'client', ext: 'extendedKeyUsage=clientAuth\n' });
  const stranger = signed(dir, 'stranger', 'other-ca', { cn: 'stranger', ext: 'extendedKeyUsage=clientAuth\n' });
  return {
    dir,
    caCert: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    strangerCert: stranger.cert,
    strangerKey: stranger.key,
    remove,
  };
}
