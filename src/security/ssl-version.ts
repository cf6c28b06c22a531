/**
 * oslo's `ssl_version` values (Python's `ssl.PROTOCOL_*` names, case-insensitive) as node's
 * TLS version names: one pinned version, or '' to negotiate (`SSLv23`, unset). SSLv2/SSLv3
 * are refused: node has neither. Shared by the HTTPS server ([ssl] version) and the broker
 * connection ([oslo_messaging_rabbit] ssl_version).
 */
export type PinnedTlsVersion = '' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';

const SSL_VERSIONS: Readonly<Record<string, PinnedTlsVersion>> = {
  '': '',
  sslv23: '',
  tlsv1: 'TLSv1',
  tlsv1_1: 'TLSv1.1',
  tlsv1_2: 'TLSv1.2',
};

/** The accepted spellings, for error messages. */
export const SSL_VERSION_CHOICES = 'TLSv1, TLSv1_1, TLSv1_2 or SSLv23';

/** The node version for an oslo `ssl_version` value, or undefined when it is not one. */
export function pinnedTlsVersion(text: string): PinnedTlsVersion | undefined {
  return Object.hasOwn(SSL_VERSIONS, text.toLowerCase()) ? SSL_VERSIONS[text.toLowerCase()] : undefined;
}
