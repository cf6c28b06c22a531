/**
 * A started transport for a process outside the launcher (the rpc CLI, getRpcTransport()):
 * RabbitMQ when a transport URL is given, otherwise the embedded transport of a launcher
 * running on this host, through its unix socket (owner and mode checked before connecting):
 * `embedded_socket`, or the launcher that `binary` and `port` choose among those registered in
 * the private runtime folder (the only one when neither is given; see control/launchers.ts).
 */
import type { Logger } from '../../logging/logger.js';
import type { Config } from '../../config/options.js';
import { ConfigError, ErrorCodes } from '../../errors.js';
import { LauncherUnreachable, chooseLauncher, runningLaunchers, type LauncherChoice } from '../../control/launchers.js';
import { runtimeDirPath } from '../../ipc/runtime-dir.js';
import { connectEmbeddedSocket } from './embedded/socket-client.js';
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
  /** Which launcher's embedded socket, without a URL or embedded_socket (default: `binary` only). */
  readonly choice?: LauncherChoice;
}

export async function openCliTransport(
  config: Config,
  logger: Logger,
  url: string | undefined = config.transport_url,
  choice?: LauncherChoice,
): Promise<Transport> {
  return openTransport(config, url, { logger, ...(choice ? { choice } : {}) });
}

/** RabbitMQ for a rabbit://, amqp:// or amqps:// URL, the launcher's embedded socket for none. */
export async function openTransport(config: Config, url: string | undefined, options: OpenTransportOptions): Promise<Transport> {
  if (url) return await openAmqp(config, url, options);
  return await openEmbedded(config, options.logger, options.choice ?? { binary: config.binary });
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

/** What to set when the launcher meant is not found, and the way over RabbitMQ. */
const HINT =
  'set embedded_socket or OSLO_NODE_EMBEDDED_SOCKET where the launcher names another. Start the launcher, or give a transport URL (rabbit://…) to reach a service over RabbitMQ';

/** How a person chooses one launcher for RPC, for the ambiguity error. */
const HOW = '--binary NAME, --port N or --embedded-socket PATH (from code: binary, port or embedded_socket)';

/**
 * The embedded transport through a launcher's unix socket: `embedded_socket`, or the registered
 * launcher `choice` names (the only one when it names none; of one service running twice, a
 * handover or a `reuse_port` start in progress, the newest). Nothing there is said in those words.
 */
export async function openEmbedded(
  config: Config,
  logger: Logger,
  choice: LauncherChoice = { binary: config.binary },
): Promise<EmbeddedTransport> {
  const named = config.embedded_socket;
  const path = named ?? (await registeredSocket(choice));
  try {
    return await connectEmbeddedSocket(path, { logger });
  } catch (error) {
    const code = (error as { cause?: NodeJS.ErrnoException }).cause?.code;
    if (!(error instanceof EmbeddedTransportError) || (code !== 'ENOENT' && code !== 'ECONNREFUSED')) throw error;
    const where = named ? `${path} (embedded_socket)` : `${path} (the embedded socket of the launcher chosen; it stopped meanwhile?)`;
    throw new EmbeddedTransportError(
      `no launcher is running on this host: ${code === 'ENOENT' ? 'there is no socket' : 'nothing listens (a stale socket)'} at ${where}; ${HINT}`,
      { cause: error },
    );
  }
}

/** The embedded socket of the registered launcher `choice` names; throws when none or several match. */
async function registeredSocket(choice: LauncherChoice): Promise<string> {
  const launchers = (await runningLaunchers()).filter((one) => one.embeddedSocket !== null);
  if (launchers.length === 0) {
    throw new EmbeddedTransportError(
      `no launcher is running on this host: none with the embedded transport is registered in ${runtimeDirPath()}; ${HINT}`,
    );
  }
  try {
    return chooseLauncher(launchers, choice, { how: HOW, newestOfOneService: true }).embeddedSocket!;
  } catch (error) {
    if (error instanceof LauncherUnreachable) throw new EmbeddedTransportError(`${error.message}; ${HINT}`);
    throw error;
  }
}
