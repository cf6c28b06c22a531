/**
 * TLS to the broker with oslo.messaging's meanings (impl_rabbit.py `_fetch_ssl_params` through
 * py-amqp's `_wrap_socket_sni`):
 * - the broker's certificate chain is always verified: against `ssl_ca_file` when set, else the
 *   system CAs;
 * - its name is checked against the host being connected to (kombu >= 5.2 substitutes the active
 *   failover host) with `ssl_enforce_hostname_verification`, and always when the system CAs are
 *   used: any certificate a public CA issued, for any name, would pass otherwise (issue 27, 1).
 *   Only `ssl_ca_file` without the flag (oslo's default, a private CA) skips the name check, and
 *   brokerNameUnchecked() says so for a warning at start;
 * - `ssl_cert_file`/`ssl_key_file` are the client certificate (EXTERNAL login needs it);
 * - `ssl_version` pins one protocol version.
 * The files are read at every connect, so a rotated certificate is picked up on the next one.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, createSecureContext, type ConnectionOptions, type SecureVersion } from 'node:tls';
import { ConfigError, ErrorCodes, describeError } from '../../../errors.js';
import type { BrokerTlsSettings } from './settings.js';

/** Certificate material read from the ssl_*_file options. */
interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

function fail(option: string, message: string, cause?: unknown): never {
  throw new ConfigError(ErrorCodes.CONFIG_INVALID, message, { option, cause });
}

function read(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    return fail(option, `cannot read [oslo_messaging_rabbit] ${option} ${path}: ${describeError(error)}`, error);
  }
}

function versions(tls: BrokerTlsSettings): { minVersion?: SecureVersion; maxVersion?: SecureVersion } {
  return tls.version === '' ? {} : { minVersion: tls.version, maxVersion: tls.version };
}

/**
 * Read and check the TLS files; throws ConfigError naming the option and the file when one is
 * missing, unreadable or not valid PEM (the launcher's preflight calls this: exit 2).
 */
export function loadBrokerTls(tls: BrokerTlsSettings): TlsMaterial {
  const ca = tls.caFile ? read('ssl_ca_file', tls.caFile) : undefined;
  const cert = tls.certFile ? read('ssl_cert_file', tls.certFile) : undefined;
  // Python's load_cert_chain(certfile, None) takes the key from the certificate file.
  const key = tls.certFile ? (tls.keyFile ? read('ssl_key_file', tls.keyFile) : cert) : undefined;
  if (ca) {
    try {
      // createSecureContext ignores a CA file without any certificate in it; X509Certificate does not.
      new X509Certificate(ca);
      createSecureContext({ ca });
    } catch (error) {
      fail('ssl_ca_file', `[oslo_messaging_rabbit] ssl_ca_file ${tls.caFile} is not a PEM CA bundle: ${describeError(error)}`, error);
    }
  }
  if (cert) {
    try {
      createSecureContext({ cert, key, ...versions(tls) });
    } catch (error) {
      const option = tls.keyFile ? 'ssl_key_file' : 'ssl_cert_file';
      fail(
        option,
        `[oslo_messaging_rabbit] ssl_cert_file ${tls.certFile} with ssl_key_file ${tls.keyFile || tls.certFile} is not a usable certificate and key: ${describeError(error)}`,
        error,
      );
    }
  }
  return { ...(ca && { ca }), ...(cert && { cert, key }) };
}

/** tls.connect options for one broker host. */
export function tlsConnectOptions(tls: BrokerTlsSettings, hostname: string): ConnectionOptions {
  const material = loadBrokerTls(tls);
  const verifyName = !brokerNameUnchecked(tls);
  return {
    ...material,
    ...versions(tls),
    rejectUnauthorized: true,
    // SNI only carries names; py-amqp sends none without hostname verification either way.
    ...(isIP(hostname) === 0 && { servername: hostname }),
    checkServerIdentity: verifyName ? (_name, cert) => checkServerIdentity(hostname, cert) : () => undefined,
  };
}

/**
 * True when the broker's certificate is not checked against its name: a private CA
 * (`ssl_ca_file`) without `ssl_enforce_hostname_verification`. Any certificate that CA signed
 * is then accepted for any broker.
 */
export function brokerNameUnchecked(tls: BrokerTlsSettings): boolean {
  return tls.caFile !== '' && !tls.enforceHostname;
}

/** Node's certificate-verification error codes, with what they mean for the operator. */
const VERIFY_HINTS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the broker certificate is not signed by a CA in ssl_ca_file',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the broker certificate is not signed by a CA in ssl_ca_file',
  SELF_SIGNED_CERT_IN_CHAIN: 'the broker certificate chains to a CA that ssl_ca_file does not hold',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the broker certificate is self-signed and not in ssl_ca_file',
  CERT_HAS_EXPIRED: 'the broker certificate has expired',
  CERT_NOT_YET_VALID: 'the broker certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID:
    'the broker certificate does not name the host in transport_url (checked with the system CAs or ssl_enforce_hostname_verification)',
};

/** A one-line explanation of a TLS failure, or undefined when `error` is not one. */
export function describeTlsFailure(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  // OpenSSL's own message carries its source path; `reason` is the readable part.
  const reason = (error as { reason?: unknown } | undefined)?.reason;
  const message = typeof reason === 'string' ? reason : error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && code in VERIFY_HINTS) return `TLS verification failed: ${VERIFY_HINTS[code]} (${message})`;
  if (/alert|handshake|wrong version number|certificate/i.test(message)) {
    return `TLS handshake failed: ${message} (does the broker require a client certificate, ssl_cert_file, or another ssl_version?)`;
  }
  return undefined;
}
