/**
 * TLS settings of the HTTP service, checked the way oslo's `sslutils.is_enabled` does, with the
 * seed's messages, so the launcher can fail fast (exit 2) in the primary before forking.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import type { Config } from '../config/options.js';
import { ConfigError, ErrorCodes, describeError } from '../errors.js';

/** What `https.createServer` needs from our options. */
export type TlsServerOptions = Pick<TlsOptions, 'cert' | 'key' | 'ca' | 'requestCert' | 'rejectUnauthorized'>;

type TlsConfig = Pick<Config, 'ssl_cert_file' | 'ssl_key_file' | 'ssl_ca_file'>;

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
  if (ca) {
    options.ca = read(ca, 'ssl_ca_file', 'ca_file');
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  try {
    // Fail at startup rather than on the first handshake.
    createSecureContext(options);
  } catch (error) {
    fail('ssl_cert_file', `Invalid TLS files (cert_file ${cert}, key_file ${key}): ${describeError(error)}`, error);
  }
  return options;
}
