/**
 * The root of every error this package throws, and the catalogue of their codes.
 *
 * Each error has a stable `code` (documented in README.md, "Error codes"), a `name`, and keeps
 * the error that caused it as `cause`. `instanceof` works across copies of the package through
 * a `Symbol.for` brand, as undici does.
 */
const kBrand = Symbol.for('oslo-node.error');

/** Every code this package uses, with the message template's meaning. */
export const ErrorCodes = {
  /** A configuration value is invalid; the message names the option. */
  CONFIG_INVALID: 'ERR_CONFIG_INVALID',
  /** An unknown command-line flag or a malformed command line. */
  CONFIG_USAGE: 'ERR_CONFIG_USAGE',
  /** A configuration file could not be read or parsed. */
  CONFIG_FILE: 'ERR_CONFIG_FILE',
  /** The listening socket could not be bound (port taken, no permission). */
  SUPERVISOR_BIND: 'ERR_SUPERVISOR_BIND',
  /** A worker exited while a request to it was pending. */
  IPC_WORKER_EXITED: 'ERR_IPC_WORKER_EXITED',
  /** An IPC request was not answered in time. */
  IPC_TIMEOUT: 'ERR_IPC_TIMEOUT',
  /** TLS files are missing or incomplete. */
  HTTP_TLS: 'ERR_HTTP_TLS',
  /** A user module (--app, --manager) could not be loaded. */
  MODULE_LOAD: 'ERR_MODULE_LOAD',
  /** Something was used after it was stopped or closed. */
  CLOSED: 'ERR_CLOSED',
  /** A stop or drain did not finish within its bound. */
  STOP_TIMEOUT: 'ERR_STOP_TIMEOUT',
  /** Disable/enable named a host/binary the service group does not know. */
  SERVICEGROUP_NOT_FOUND: 'ERR_SERVICEGROUP_NOT_FOUND',
  /** The service group's backend (database, broker, launcher) cannot answer now. */
  SERVICEGROUP_UNAVAILABLE: 'ERR_SERVICEGROUP_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | `ERR_${string}`;

/** Base class of every error thrown by this package. */
export class OsloNodeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Keep normal subclass semantics, and recognise errors from another copy of the package.
    if (this === OsloNodeError) {
      return typeof value === 'object' && value !== null && kBrand in value;
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  get [kBrand](): true {
    return true;
  }
}

/** A bad option value, an unknown flag, or an unreadable config file. Exit code 2. */
export class ConfigError extends OsloNodeError {
  /** The oslo name of the option at fault, when there is one. */
  readonly option: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; option?: string }) {
    super(code, message, options);
    this.option = options?.option;
  }
}

/** The work was refused because the object is stopping or stopped. */
export class ClosedError extends OsloNodeError {
  constructor(what: string) {
    super(ErrorCodes.CLOSED, `${what} is closed`);
  }
}

/** A graceful stop did not finish within its bound. */
export class StopTimeoutError extends OsloNodeError {
  constructor(what: string, timeoutMs: number) {
    super(ErrorCodes.STOP_TIMEOUT, `${what} did not stop within ${timeoutMs} ms`);
  }
}

/** Text of any thrown value, for logs and error messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
