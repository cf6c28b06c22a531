/**
 * oslo transport URLs: `rabbit://user:pass@host:port[,user2:pass2@host2:port2]/vhost?opt=val`
 * (also `amqp://`, and `amqps://` / `rabbit+ssl://` for TLS). Several hosts are failover
 * candidates, tried round-robin like kombu's default `kombu_failover_strategy`.
 */
import { ConfigError, ErrorCodes } from '../../../errors.js';

/** One broker to try. */
export interface BrokerHost {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly tls: boolean;
}

/** A parsed transport URL. */
export interface TransportUrl {
  readonly hosts: readonly BrokerHost[];
  /** Virtual host; an empty path means "/". */
  readonly vhost: string;
  /** Query parameters; they override options of the [oslo_messaging_rabbit] group. */
  readonly query: Readonly<Record<string, string>>;
}

const SCHEMES: Record<string, boolean> = { 'rabbit:': false, 'amqp:': false, 'amqps:': true, 'rabbit+ssl:': true };

// Messages never quote the URL or any part of it: a malformed URL is exactly the case where a
// password cannot be told apart from the rest (issue 14, item 3). They say which part is wrong.
function invalid(why: string): ConfigError {
  return new ConfigError(
    ErrorCodes.CONFIG_INVALID,
    `invalid value for option transport_url: ${why} (the value is not shown: it may hold a password)`,
    {
      option: 'transport_url',
    },
  );
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(`bad percent-encoding in the ${what}`);
  }
}

function parseHost(part: string, index: number, tls: boolean): BrokerHost {
  const at = part.lastIndexOf('@');
  const userInfo = at >= 0 ? part.slice(0, at) : '';
  const hostPort = at >= 0 ? part.slice(at + 1) : part;
  const colon = userInfo.indexOf(':');
  const which = `host ${index + 1}`;
  // kombu's default credentials when the URL names none.
  const username = at < 0 ? 'guest' : decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo, `user name of ${which}`);
  const password = at < 0 ? 'guest' : colon >= 0 ? decode(userInfo.slice(colon + 1), `password of ${which}`) : '';
  let hostname = hostPort;
  let portText = '';
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(hostPort);
  if (bracket) {
    hostname = bracket[1]!;
    portText = bracket[2] ?? '';
  } else if (hostPort.includes(':')) {
    hostname = hostPort.slice(0, hostPort.lastIndexOf(':'));
    portText = hostPort.slice(hostPort.lastIndexOf(':') + 1);
  }
  const port = portText === '' ? (tls ? 5671 : 5672) : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid(`the port of ${which} is not a number in 1-65535`);
  return Object.freeze({ hostname: hostname === '' ? 'localhost' : hostname, port, username, password, tls });
}

/** Parse an oslo transport URL. Throws ConfigError (option `transport_url`) when it is malformed. */
export function parseTransportUrl(url: string): TransportUrl {
  const match = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(url.trim());
  if (!match) throw invalid('expected rabbit://user:pass@host:port/vhost');
  const scheme = match[1]!.toLowerCase();
  const tls = SCHEMES[scheme];
  // A scheme holds no secret; `[a-z][a-z0-9+.-]*` cannot reach the credentials.
  if (tls === undefined) throw invalid(`unsupported scheme ${scheme}// (use rabbit:// or amqp://)`);
  const authority = match[2]!;
  const hosts = (authority === '' ? [''] : authority.split(',')).map((part, index) => parseHost(part, index, tls));
  const path = match[3] ?? '';
  const vhost = path === '' || path === '/' ? '/' : decode(path.slice(1), 'virtual host');
  const query: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(match[4] ?? '')) if (!(key in query)) query[key] = value;
  return Object.freeze({ hosts: Object.freeze(hosts), vhost, query: Object.freeze(query) });
}

/** `host:port` of a broker, for log lines (no credentials). */
export function describeHost(host: BrokerHost): string {
  return `${host.tls ? 'amqps' : 'amqp'}://${host.username}@${host.hostname.includes(':') ? `[${host.hostname}]` : host.hostname}:${host.port}`;
}
