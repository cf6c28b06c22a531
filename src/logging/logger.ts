/**
 * The one logger factory: pino, JSON lines on stdout, every line bound with the pid and the
 * worker id (0 in the primary). Components take `logger.child({ component })`.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { censor, redactUrlPasswords } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerSettings {
  level: string;
  /** 0 for the primary, cluster worker id otherwise. */
  workerId: number;
  /** Buffered asynchronous writes (workers, where the access log is hot); flushed on exit. */
  async?: boolean;
}

/** Paths whose values are URLs or secrets; see redact.ts. */
const REDACT_PATHS = [
  'transport_url',
  'url',
  'admin_token',
  'config.transport_url',
  'config.admin_token',
  '*.transport_url',
  '*.url',
  'req.headers.authorization',
];

let destination: ReturnType<typeof pino.destination> | undefined;

/** Create the process logger. Call once per process. */
export function createLogger(settings: LoggerSettings): Logger {
  destination = pino.destination({ dest: 1, sync: !settings.async });
  const options: LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid, worker: settings.workerId },
    redact: { paths: REDACT_PATHS, censor },
    hooks: {
      // Messages are free text: scrub URL passwords there too.
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? redactUrlPasswords(arg) : arg));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, destination);
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
