// A throwaway self-signed certificate for 127.0.0.1 (EC P-256), made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Returns { cert, key, remove() }. */
export function makeBenchCert() {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-bench-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore', timeout: 20_000 },
  );
  return { cert, key, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
