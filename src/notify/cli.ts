/**
 * `oslo-node-rpc notify TOPIC PRIORITY EVENT_TYPE [PAYLOAD_JSON] [--publisher-id ID]` and
 * `oslo-node-rpc listen TOPIC [--pool NAME] [--count N] [--timeout S]`: notifications from a
 * shell script. `listen` prints one JSON line per notification (priority, publisher_id,
 * event_type, payload, message_id, timestamp, context). Exit codes as the rest of rpc.js: 0 ok,
 * 2 usage, 3 broker unreachable or `--timeout` passed before `--count` notifications (without
 * `--count`, `--timeout` just ends the listening with 0).
 */
import { ExitCode, parseCommandLine, parseJsonArgument, printWarning, usageError } from '../cli/common.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { loadConfig, type Config } from '../config/index.js';
import { positiveSeconds, takeOwnFlags } from '../config/own-flags.js';
import { ConfigError, describeError } from '../errors.js';
import { openCliTransport } from '../rpc/transports/open.js';
import type { Transport } from '../rpc/transports/transport.js';
import { NotificationResult } from './dispatcher.js';
import type { DriverName } from './drivers.js';
import { NotificationListener } from './listener.js';
import { Notifier } from './notifier.js';
import { PRIORITIES, parsePriority, type Priority } from './priorities.js';

export const NOTIFY_USAGE = `Usage: oslo-node-rpc notify TOPIC PRIORITY EVENT_TYPE [PAYLOAD_JSON] [--publisher-id ID]
       oslo-node-rpc listen TOPIC [--pool NAME] [--count N] [--timeout SECONDS]
       [--notification-transport-url URL | --transport-url URL] [--embedded-socket PATH] [--config-file FILE]

PRIORITY: ${PRIORITIES.join(', ')} (or warning). listen prints one JSON line per notification.
Exit codes: 0 ok, 2 usage, 3 broker unreachable or --timeout before --count notifications.`;

const PROGRAM = 'oslo-node-rpc';
const { OK, USAGE: USAGE_ERROR, UNREACHABLE } = ExitCode;

type Command =
  | { kind: 'notify'; topic: string; priority: Priority; eventType: string; payload: unknown; publisherId: string; config: Config }
  | { kind: 'listen'; topic: string; pool: string | undefined; count: number | undefined; timeoutMs: number | undefined; config: Config };

function parse(argv: readonly string[]): Command {
  const own = takeOwnFlags(argv, { '--publisher-id': 'value', '--pool': 'value', '--count': 'value', '--timeout': 'value' });
  const { config, args, warnings } = loadConfig(own.rest, process.env, { allowPositionals: true });
  for (const warning of warnings) printWarning(PROGRAM, warning);
  const [kind, topic, ...rest] = args.positionals;
  if (!topic) throw usageError('TOPIC is required');
  const refuse = (flags: string[]): void => {
    const given = flags.find((flag) => own.values.has(flag));
    if (given) throw usageError(`${given} is not an option of ${kind}`);
  };
  if (kind === 'notify') {
    refuse(['--pool', '--count', '--timeout']);
    const [priorityText, eventType, json, ...extra] = rest;
    if (!priorityText || !eventType) throw usageError('PRIORITY and EVENT_TYPE are required');
    if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const priority = parsePriority(priorityText === 'warning' ? 'warn' : priorityText);
    if (!priority) throw usageError(`PRIORITY must be one of ${PRIORITIES.join(', ')}, not ${JSON.stringify(priorityText)}`);
    const payload = json === undefined ? {} : parseJsonArgument(json, 'PAYLOAD_JSON');
    return { kind, topic, priority, eventType, payload, publisherId: own.values.get('--publisher-id') ?? config.service_host, config };
  }
  refuse(['--publisher-id']);
  if (rest.length > 0) throw usageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const countText = own.values.get('--count');
  const count = countText === undefined ? undefined : Number(countText);
  if (count !== undefined && !(Number.isSafeInteger(count) && count > 0))
    throw usageError(`--count must be a positive integer, not ${JSON.stringify(countText)}`);
  const timeoutText = own.values.get('--timeout');
  const timeoutMs = timeoutText === undefined ? undefined : positiveSeconds('--timeout', timeoutText) * 1000;
  const pool = own.values.get('--pool');
  if (pool === '') throw usageError('--pool must not be empty');
  return { kind: 'listen', topic, pool, count, timeoutMs, config };
}

/** The messaging drivers configured, or messagingv2 (log and noop make no sense for a sender CLI). */
function sendingDrivers(config: Config): DriverName[] {
  const messaging = (config.notification_driver as readonly DriverName[]).filter((name) => name === 'messaging' || name === 'messagingv2');
  return messaging.length > 0 ? messaging : ['messagingv2'];
}

async function notify(command: Extract<Command, { kind: 'notify' }>, transport: Transport, logger: Logger): Promise<number> {
  // One attempt (waiting up to rpc_response_timeout for the broker): a script must not hang.
  const notifier = new Notifier(transport, {
    publisherId: command.publisherId,
    driver: sendingDrivers(command.config),
    topics: [command.topic],
    retry: 0,
    controlExchange: command.config.control_exchange,
    throwOnError: true,
    logger,
  });
  await notifier.notify({}, command.eventType, command.payload, command.priority);
  return OK;
}

async function listen(command: Extract<Command, { kind: 'listen' }>, transport: Transport, logger: Logger): Promise<number> {
  let printed = 0;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const endpoint: Record<string, unknown> = {};
  for (const priority of PRIORITIES) {
    endpoint[priority] = (
      ctxt: unknown,
      publisherId: unknown,
      eventType: unknown,
      payload: unknown,
      metadata: { message_id: unknown; timestamp: unknown },
    ) => {
      // Past --count the notification goes back to the queue for someone else.
      if (command.count !== undefined && printed >= command.count) return NotificationResult.REQUEUE;
      const line = {
        priority,
        publisher_id: publisherId,
        event_type: eventType,
        payload,
        message_id: metadata.message_id,
        timestamp: metadata.timestamp,
        context: ctxt,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      printed++;
      if (printed === command.count) finish(OK);
      return NotificationResult.HANDLED;
    };
  }
  const listener = new NotificationListener(transport, [{ topic: command.topic }], [endpoint], {
    pool: command.pool,
    allowRequeue: true,
    executorPoolSize: 1,
    controlExchange: command.config.control_exchange,
    maxMessageBytes: command.config.rpc_max_message_bytes,
    logger,
  });
  await listener.start();
  // --timeout before --count is a failure (3); without --count it just ends the listening (0).
  const onTimeout = command.count === undefined ? OK : UNREACHABLE;
  const timer = command.timeoutMs === undefined ? undefined : setTimeout(() => finish(onTimeout), command.timeoutMs);
  const onSignal = (): void => finish(OK);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const code = await finished;
  clearTimeout(timer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await listener.stop();
  if (code === UNREACHABLE)
    process.stderr.write(
      `${JSON.stringify({ error: 'MessagingTimeout', message: `${printed} of ${command.count ?? 'unlimited'} notifications before the --timeout` })}\n`,
    );
  return code;
}

/** Run `notify` or `listen`; resolves with the exit code. */
export async function runNotifyCli(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(PROGRAM, argv, parse, NOTIFY_USAGE, `${PROGRAM} ${argv.find((arg) => !arg.startsWith('-')) ?? 'notify'}`);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { command } = parsed;
  const { config } = command;
  const level = ['debug', 'trace'].includes(config.log_level) ? config.log_level : 'warn';
  // On stderr: stdout carries the result. Redacted like every other log of ours.
  const logger = createLogger({ level, workerId: 0, fd: 2, format: 'json' }).child({ component: 'rpc-cli' });
  let transport: Transport | undefined;
  try {
    transport = await openCliTransport(config, logger, config.notification_transport_url ?? config.transport_url);
    return command.kind === 'notify' ? await notify(command, transport, logger) : await listen(command, transport, logger);
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    process.stderr.write(
      `${JSON.stringify({ error: error instanceof Error ? error.name : 'Error', ...(typeof code === 'string' ? { code } : {}), message: describeError(error) })}\n`,
    );
    return error instanceof ConfigError ? USAGE_ERROR : UNREACHABLE;
  } finally {
    await transport?.stop().catch(() => undefined);
  }
}
