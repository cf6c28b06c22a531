/**
 * A started transport for a process outside the launcher (the rpc CLI, getRpcTransport()):
 * RabbitMQ when a transport URL is given, otherwise the embedded transport of the launcher
 * running on this host, through its unix socket (owner and mode checked before connecting).
 */
import type { Logger } from '../../logging/logger.js';
import type { Config } from '../../config/options.js';
import { ConfigError, ErrorCodes } from '../../errors.js';
import { connectEmbeddedSocket, defaultEmbeddedSocketPath } from './embedded/socket-client.js';
import { EmbeddedTransportError, type EmbeddedTransport } from './embedded/transport.js';
import type { Transport } from './transport.js';

/** The schemes of the AMQP transport (amqp/url.ts); `rabbit+ssl` is oslo's older TLS spelling. */
const AMQP_SCHEMES: ReadonlySet<string> = new Set(['rabbit', 'amqp', 'amqps', 'rabbit+ssl']);

export interface OpenTransportOptions {
  readonly logger: Logger;
  /** Keep retrying a broker that is not there at start (default false: fail at once). */
  readonly retryStart?: boolean;
  /** The option the URL came from, named in errors (default `transport_url`). */
  readonly option?: string;
}

export async function openCliTransport(config: Config, logger: Logger, url: string | undefined = config.transport_url): Promise<Transport> {
  return openTransport(config, url, { logger });
}

/** RabbitMQ for a rabbit://, amqp:// or amqps:// URL, the launcher's embedded socket for none. */
export async function openTransport(config: Config, url: string | undefined, options: OpenTransportOptions): Promise<Transport> {
  if (url) return await openAmqp(config, url, options);
  return await openEmbedded(config, options.logger);
}

async function openAmqp(config: Config, url: string, options: OpenTransportOptions): Promise<Transport> {
  const option = options.option ?? 'transport_url';
  // Only the scheme is quoted: the rest of the URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url.trim())?.[1]?.toLowerCase();
  if (scheme === undefined || !AMQP_SCHEMES.has(scheme)) {
    const what = scheme === undefined ? 'it is not a URL (expected rabbit://user:pass@host:port/vhost)' : `unsupported scheme ${scheme}://`;
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      `invalid value for option ${option}: ${what}; oslo-node speaks rabbit://, amqp:// and amqps:// (RabbitMQ), and with no URL the embedded transport of the launcher on this host`,
      { option },
    );
  }
  // Loaded only when used: the embedded path (and `import 'oslo-node'`) never loads amqplib.
  const [{ AmqpTransport }, { preflightAmqp }] = await Promise.all([import('./amqp/index.js'), import('./amqp/preflight.js')]);
  // The launcher's checks before it forks: the URL's query options and the TLS files.
  preflightAmqp({ ...config, transport_url: url });
  const transport = new AmqpTransport({ url, config, logger: options.logger, retryStart: options.retryStart ?? false });
  try {
    await transport.start();
  } catch (error) {
    await transport.stop().catch(() => undefined);
    throw error;
  }
  return transport;
}

/**
 * The embedded transport through the launcher's unix socket: `embedded_socket`, or the default
 * path in the private runtime folder. Nothing listening there is said in those words.
 */
export async function openEmbedded(config: Config, logger: Logger): Promise<EmbeddedTransport> {
  const named = config.embedded_socket;
  const path = named ?? defaultEmbeddedSocketPath({ create: false });
  try {
    return await connectEmbeddedSocket(path, { logger });
  } catch (error) {
    const code = (error as { cause?: NodeJS.ErrnoException }).cause?.code;
    if (!(error instanceof EmbeddedTransportError) || (code !== 'ENOENT' && code !== 'ECONNREFUSED')) throw error;
    const where = named ? `${path} (embedded_socket)` : `${path} (the default embedded socket; set embedded_socket or OSLO_NODE_EMBEDDED_SOCKET where the launcher names another)`;
    throw new EmbeddedTransportError(
      `no launcher is running on this host: ${code === 'ENOENT' ? 'there is no socket' : 'nothing listens (a stale socket)'} at ${where}. Start the launcher, or give a transport URL (rabbit://…) to reach a service over RabbitMQ`,
      { cause: error },
    );
  }
}
