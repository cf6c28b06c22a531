/**
 * The one logger factory: pino, JSON lines on stdout, every line bound with the pid and the
 * worker id (0 in the primary). Components take `logger.child({ component })`. On a terminal
 * (log_format auto) or with log_format pretty, lines go through pino-pretty instead: one
 * coloured line per event, for a person.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { censor, redactUrlPasswords } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerSettings {
  level: string;
  /**
   * 0 for the primary, the slot in a worker; unset in a worker that has no slot yet (it binds
   * `worker` with a child logger once it has one; see worker/head-start.ts).
   */
  workerId?: number;
  /** Buffered asynchronous writes (workers, where the access log is hot); flushed on exit. */
  async?: boolean;
  /** Where lines go instead of stdout (tests). */
  stream?: DestinationStream;
  /** The file descriptor written when no stream is given: 1 (stdout, default) or 2 (stderr, for CLIs whose stdout is their output). */
  fd?: 1 | 2;
  /** `auto` (default): pretty when stdout is a terminal, JSON lines otherwise. */
  format?: LogFormat;
}

export type LogFormat = 'auto' | 'json' | 'pretty';

/** Whether `format` means pretty lines on this process's stdout. */
export function prettyLogs(format: LogFormat | undefined): boolean {
  return format === 'pretty' || (format !== 'json' && process.stdout.isTTY === true);
}

/** pino-pretty on stdout, loaded only when used (it is for people, not for the hot path). */
function prettyStream(): DestinationStream {
  const build = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  // Synchronous: a terminal is slow enough that ordering and nothing lost at exit matter more.
  return build({ colorize: true, sync: true, destination: 1, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname' });
}

/** Paths whose values are URLs or secrets; see redact.ts. */
const REDACT_PATHS = [
  'transport_url',
  'url',
  'admin_token',
  'config.transport_url',
  'notification_transport_url',
  'config.notification_transport_url',
  'config.admin_token',
  '*.transport_url',
  '*.url',
  'req.headers.authorization',
];

let destination: ReturnType<typeof pino.destination> | undefined;

let lastMs = -1;
let lastTime = '';

/**
 * pino's isoTime (`,"time":"<ISO 8601>"`), rendered once per millisecond: toISOString costs
 * about 4,000 instructions (V8 formats it with snprintf), and under load an access log writes
 * dozens of lines in the same millisecond.
 */
export function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

// Marks loggers made here (pino children inherit it through their prototype): their stream.
const kStream = Symbol('oslo-node.logStream');
type Marked = Logger & { [kStream]?: DestinationStream };

/** Create the process logger. Call once per process. */
export function createLogger(settings: LoggerSettings): Logger {
  const stream =
    settings.stream ??
    (prettyLogs(settings.format) ? prettyStream() : (destination = pino.destination({ dest: settings.fd ?? 1, sync: !settings.async })));
  const options: LoggerOptions = {
    level: settings.level,
    base: settings.workerId === undefined ? { pid: process.pid } : { pid: process.pid, worker: settings.workerId },
    redact: { paths: REDACT_PATHS, censor },
    hooks: {
      // Messages are free text: scrub URL passwords there too.
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? redactUrlPasswords(arg) : arg));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    timestamp: isoTimeOncePerMs,
  };
  const logger: Marked = pino(options, stream);
  logger[kStream] = stream;
  return logger;
}

/**
 * A child of `parent` for lines made of request data only (the access log): the same stream,
 * level and bindings, without the redaction paths and the message hook, which cost about
 * 3.5 µs a line, a fifth of the access log. Its callers scrub what could hold a URL password
 * (a request target) with redactUrlPasswords. For a logger not made by createLogger this is
 * a plain child.
 */
export function requestDataLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  const stream = (parent as Marked)[kStream];
  if (!stream) return parent.child(bindings);
  return pino({ level: parent.level, base: { pid: process.pid, ...parent.bindings(), ...bindings }, timestamp: isoTimeOncePerMs }, stream);
}

/** Write out buffered lines synchronously; call before process.exit. */
export function flushLogs(): void {
  try {
    destination?.flushSync();
  } catch {
    // Nothing was buffered, or stdout is gone: nothing left to save.
  }
}

/** A logger that drops everything, for library users and unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
