/**
 * `oslo-node-rpc call|cast TOPIC METHOD [JSON_ARGS] [--server S] [--fanout] [--timeout S]
 * [--transport-url URL] [--embedded-socket PATH] [--config-file F]`: one RPC from a shell script.
 * `notify` and `listen` (notifications) are handed to notify/cli.ts.
 * A call prints its JSON result on stdout. Exit codes: 0 ok, 1 remote error (error JSON on
 * stderr), 2 usage, 3 timeout or broker unreachable, or (RabbitMQ) a cast no queue took within
 * rpc_cast_timeout: a cast exits 0 only once a queue took it.
 */
import { ExitCode, parseCommandLine, parseJsonObjectArgument, printWarning, usageError } from './cli/common.js';
import { createLogger } from './logging/logger.js';
import { loadConfig, type Config } from './config/index.js';
import { positiveSeconds, takeOwnFlags } from './config/own-flags.js';
import { ConfigError, describeError } from './errors.js';
import { LauncherAmbiguous, launcherChoice, type LauncherChoice } from './control/launchers.js';
import { RpcClient } from './rpc/client.js';
import { InvalidTarget, MessagingException, MessagingTimeout, RemoteError } from './rpc/errors.js';
import type { Transport } from './rpc/transports/transport.js';
import { openCliTransport } from './rpc/transports/open.js';
import { lookUpVersionCap } from './rpc/upgrade-level-lookup.js';

const PROGRAM = 'oslo-node-rpc';

const USAGE = `Usage: oslo-node-rpc call|cast TOPIC METHOD [JSON_ARGS] [--server S] [--fanout] [--timeout SECONDS] [--rpc-version V]
       [--transport-url URL] [--binary NAME] [--port N] [--embedded-socket PATH] [--config-file FILE] [any launcher option]
       oslo-node-rpc notify|listen ... (oslo-node-rpc notify --help)
       oslo-node-rpc -h|--help, -V|--version

Without transport_url a launcher's embedded transport is used through its unix socket: the only
launcher registered on this host, or the one --binary and --port choose (several: they are listed).
[upgrade_levels] TOPIC = auto | VERSION caps the message's version (sent at the cap without --rpc-version).
Exit codes: 0 ok, 1 remote error (JSON on stderr), 2 usage or an embedded socket that is not
ours or several launchers and none chosen, 3 timeout, broker unreachable, or a cast no queue
took within rpc_cast_timeout.`;

const { OK, FAILURE: REMOTE, USAGE: USAGE_ERROR, UNREACHABLE } = ExitCode;

interface Command {
  readonly kind: 'call' | 'cast';
  readonly topic: string;
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly server: string | undefined;
  readonly fanout: boolean;
  readonly timeout: number | undefined;
  readonly rpcVersion: string | undefined;
  readonly config: Config;
  readonly choice: LauncherChoice;
}

function parseCommand(argv: readonly string[]): Command {
  const own = takeOwnFlags(argv, { '--server': 'value', '--timeout': 'value', '--fanout': 'switch', '--rpc-version': 'value' });
  const timeoutText = own.values.get('--timeout');
  const timeout = timeoutText === undefined ? undefined : positiveSeconds('--timeout', timeoutText);
  const { config, args, warnings, explicit } = loadConfig(own.rest, process.env, { allowPositionals: true });
  for (const warning of warnings) printWarning(PROGRAM, warning);
  const [kind, topic, method, json, ...extra] = args.positionals;
  if (kind !== 'call' && kind !== 'cast') throw usageError('the first argument must be call or cast');
  if (!topic || !method) throw usageError('TOPIC and METHOD are required');
  if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const rpcVersion = own.values.get('--rpc-version');
  if (rpcVersion !== undefined && !/^\d{1,9}\.\d{1,9}(\.\d{1,9})?$/.test(rpcVersion))
    throw usageError('--rpc-version must be a version like 1.2');
  const parsed = parseJsonObjectArgument(json, 'JSON_ARGS');
  return {
    kind,
    topic,
    method,
    args: parsed,
    server: own.values.get('--server'),
    fanout: own.values.has('--fanout'),
    timeout,
    rpcVersion,
    config,
    choice: launcherChoice(config, explicit),
  };
}

/** The error as JSON for stderr. */
function errorJson(error: unknown): string {
  if (error instanceof RemoteError) {
    return JSON.stringify({ error: error.excType, module: error.module, message: error.value, traceback: error.traceback });
  }
  const name = error instanceof Error ? error.name : 'Error';
  const code = (error as { code?: unknown } | undefined)?.code;
  return JSON.stringify({ error: name, ...(typeof code === 'string' ? { code } : {}), message: describeError(error) });
}

function exitCodeOf(error: unknown): number {
  if (error instanceof ConfigError || error instanceof InvalidTarget || error instanceof LauncherAmbiguous) return USAGE_ERROR;
  if (error instanceof MessagingTimeout) return UNREACHABLE;
  if (error instanceof RemoteError) return REMOTE;
  // NoSuchMethod, UnsupportedVersion ... came back from the server.
  if (error instanceof MessagingException && !['ERR_RPC_DELIVERY', 'ERR_RPC_SEND'].includes(error.code)) return REMOTE;
  return UNREACHABLE;
}

async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(PROGRAM, argv, parseCommand, USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { command } = parsed;
  const level = ['debug', 'trace'].includes(command.config.log_level) ? command.config.log_level : 'warn';
  // On stderr: stdout carries the result. Redacted like every other log of ours.
  const logger = createLogger({ level, workerId: 0, fd: 2, format: 'json' }).child({ component: 'rpc-cli' });
  let transport: Transport | undefined;
  try {
    transport = await openCliTransport(command.config, logger, command.config.transport_url, command.choice);
    const versionCap = await lookUpVersionCap(command.config, command.topic, transport, logger);
    const version = command.rpcVersion ?? versionCap;
    const client = new RpcClient(
      transport,
      {
        topic: command.topic,
        ...(command.server ? { server: command.server } : {}),
        ...(command.fanout ? { fanout: true } : {}),
        ...(version ? { version } : {}),
      },
      {
        timeoutSeconds: command.timeout ?? command.config.rpc_response_timeout,
        controlExchange: command.config.control_exchange,
        logger,
        versionCap,
      },
    );
    if (command.kind === 'call') {
      const result = await client.call({}, command.method, command.args);
      process.stdout.write(`${JSON.stringify(result ?? null)}\n`);
    } else {
      await client.cast({}, command.method, command.args);
    }
    return OK;
  } catch (error) {
    process.stderr.write(`${errorJson(error)}\n`);
    return exitCodeOf(error);
  } finally {
    await transport?.stop().catch(() => undefined);
  }
}

const argv = process.argv.slice(2);
const subcommand = argv.find((arg) => !arg.startsWith('-'));
// notify and listen live with the rest of notifications (src/notify/cli.ts).
process.exitCode =
  subcommand === 'notify' || subcommand === 'listen' ? await (await import('./notify/cli.js')).runNotifyCli(argv) : await run(argv);
