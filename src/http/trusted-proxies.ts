/**
 * `[wsgi] trusted_proxies`: the peers whose `X-Forwarded-For` is believed. Any client can send
 * the header, so by default (empty) it is ignored and the access log shows the peer address only;
 * from a listed proxy the log shows `forwarded,peer` as eventlet does (issue 14).
 */
import { isIP } from 'node:net';
import { ConfigError, ErrorCodes } from '../errors.js';

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) and `10.0.0.1` are one address. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address.toLowerCase();
}

/** Parse the comma-separated list; throws a ConfigError naming the option for a bad address. */
export function parseTrustedProxies(text: string): (peer: string | undefined) => boolean {
  const addresses = new Set<string>();
  for (const item of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (isIP(item) === 0) {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option trusted_proxies: "${item}" is not an IP address`, {
        option: 'trusted_proxies',
      });
    }
    addresses.add(normalize(item));
  }
  return (peer) => peer !== undefined && addresses.size > 0 && addresses.has(normalize(peer));
}
