/**
 * TLS settings of the HTTP service, checked the way oslo's `sslutils.is_enabled` does, with the
 * seed's messages, so the launcher can fail fast (exit 2) in the primary before forking.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { SSL_VERSION_CHOICES, pinnedTlsVersion } from '../security/ssl-version.js';
import type { Config } from '../config/options.js';
import { ConfigError, ErrorCodes, describeError } from '../errors.js';

/** What `https.createServer` needs from our options. */
export type TlsServerOptions = Pick<
  TlsOptions,
  'cert' | 'key' | 'passphrase' | 'ca' | 'requestCert' | 'rejectUnauthorized' | 'minVersion' | 'maxVersion' | 'ciphers'
>;

type TlsConfig = Pick<Config, 'ssl_cert_file' | 'ssl_key_file' | 'ssl_ca_file'> &
  Partial<Pick<Config, 'ssl_key_passphrase' | 'ssl_version' | 'ssl_ciphers'>>;

const FILES = [
  // oslo checks cert, then CA, then key: keep its order so the first message matches.
  { option: 'ssl_cert_file', label: 'cert_file' },
  { option: 'ssl_ca_file', label: 'ca_file' },
  { option: 'ssl_key_file', label: 'key_file' },
] as const;

function fail(option: string, message: string, cause?: unknown): never {
  throw new ConfigError(ErrorCodes.HTTP_TLS, message, { option, cause });
}

function read(path: string, option: string, label: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    return fail(option, `Unable to read ${label} : ${path} (${describeError(error)})`, error);
  }
}

/**
 * Read and check the TLS files named by the configuration.
 *
 * @returns undefined when no TLS option is set (plain HTTP); otherwise the server options, with
 *   client-certificate verification (`requestCert` + `rejectUnauthorized`) when a CA is set.
 * @throws ConfigError (code ERR_HTTP_TLS, `option` set) when a file is missing or unreadable,
 *   when only one of cert and key is set (a CA alone counts as asking for TLS), or when the PEM
 *   material is invalid (cert and key that do not match, for instance).
 */
export function loadTlsOptions(config: TlsConfig): TlsServerOptions | undefined {
  const cert = config.ssl_cert_file;
  const key = config.ssl_key_file;
  const ca = config.ssl_ca_file;
  if (!cert && !key && !ca) return undefined;
  for (const { option, label } of FILES) {
    const path = config[option];
    if (path && !existsSync(path)) fail(option, `Unable to find ${label} : ${path}`);
  }
  if (!cert || !key) {
    fail(
      cert ? 'ssl_key_file' : 'ssl_cert_file',
      'When running server in SSL mode, you must specify both a cert_file and key_file option value in your configuration file',
    );
  }
  const options: TlsServerOptions = {
    cert: read(cert, 'ssl_cert_file', 'cert_file'),
    key: read(key, 'ssl_key_file', 'key_file'),
  };
  checkKey(key, options.key as Buffer, config.ssl_key_passphrase);
  if (config.ssl_key_passphrase !== undefined) options.passphrase = config.ssl_key_passphrase;
  if (ca) {
    options.ca = read(ca, 'ssl_ca_file', 'ca_file');
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  Object.assign(options, protocolOptions(config));
  try {
    // Fail at startup rather than on the first handshake.
    createSecureContext(options);
  } catch (error) {
    fail('ssl_cert_file', `Invalid TLS files (cert_file ${cert}, key_file ${key}): ${describeError(error)}`, error);
  }
  return options;
}

/**
 * The key alone first, so that its errors blame key_file (not cert_file): an encrypted key
 * needs ssl_key_passphrase; a wrong passphrase or a damaged key is named as such.
 */
function checkKey(path: string, pem: Buffer, passphrase: string | undefined): void {
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(pem.toString('latin1'));
  if (encrypted && passphrase === undefined) {
    fail('ssl_key_file', `key_file ${path} is encrypted: set ssl_key_passphrase (in a config file or OSLO_NODE_SSL_KEY_PASSPHRASE)`);
  }
  try {
    createPrivateKey({ key: pem, ...(passphrase === undefined ? {} : { passphrase }) });
  } catch (error) {
    // Never the passphrase itself in the message.
    const why = encrypted ? 'cannot be decrypted with ssl_key_passphrase' : 'is not a usable PEM private key';
    fail(encrypted ? 'ssl_key_passphrase' : 'ssl_key_file', `key_file ${path} ${why}`, error);
  }
}

/** [ssl] version and ciphers as node options; a value node cannot use is a ConfigError. */
function protocolOptions(config: TlsConfig): Pick<TlsServerOptions, 'minVersion' | 'maxVersion' | 'ciphers'> {
  const out: Pick<TlsServerOptions, 'minVersion' | 'maxVersion' | 'ciphers'> = {};
  const versionText = config.ssl_version ?? '';
  const ciphers = config.ssl_ciphers ?? '';
  const version = pinnedTlsVersion(versionText);
  if (version === undefined)
    fail(
      'ssl_version',
      `invalid value for option ssl_version ([ssl] version): ${JSON.stringify(versionText)} (use ${SSL_VERSION_CHOICES})`,
    );
  if (version !== '') {
    out.minVersion = version;
    out.maxVersion = version;
  }
  if (ciphers !== '') {
    out.ciphers = ciphers;
    try {
      createSecureContext({ ...out });
    } catch (error) {
      fail('ssl_ciphers', `invalid value for option ssl_ciphers ([ssl] ciphers): ${describeError(error)}`, error);
    }
  }
  return out;
}
