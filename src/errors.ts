/**
 * The root of every error this package throws, and the catalogue of their codes.
 *
 * Each error has a stable `code` (documented in README.md, "Error codes"), a `name`, and keeps
 * the error that caused it as `cause`. `instanceof` works across copies of the package through
 * a `Symbol.for` brand, as undici does.
 */
const kBrand = Symbol.for('oslo-node.error');

/**
 * Every code this package uses: the closed catalogue (README.md, "Error codes", lists them with
 * their classes). A code not in this table does not type-check.
 */
export const ErrorCodes = {
  // Configuration and start-up.
  /** A configuration value is invalid; the message names the option. */
  CONFIG_INVALID: 'ERR_CONFIG_INVALID',
  /** An unknown command-line flag or a malformed command line. */
  CONFIG_USAGE: 'ERR_CONFIG_USAGE',
  /** A configuration file could not be read or parsed. */
  CONFIG_FILE: 'ERR_CONFIG_FILE',
  /** The listening socket could not be bound (port taken, no permission). */
  SUPERVISOR_BIND: 'ERR_SUPERVISOR_BIND',
  /** A user module (--app, --manager, a pool task) could not be loaded or has no usable default export. */
  MODULE_LOAD: 'ERR_MODULE_LOAD',
  /** TLS files are missing or incomplete. */
  HTTP_TLS: 'ERR_HTTP_TLS',
  /** A function or constructor got an argument or option it cannot use. */
  INVALID_ARG: 'ERR_INVALID_ARG',

  // Lifecycle.
  /** Something was used after it was stopped or closed. */
  CLOSED: 'ERR_CLOSED',
  /** A stop or drain did not finish within its bound. */
  STOP_TIMEOUT: 'ERR_STOP_TIMEOUT',
  /** An operation was called in a state that does not allow it (started twice, say). */
  INVALID_STATE: 'ERR_INVALID_STATE',

  // The launcher's control socket (ctl.js).
  /** No launcher answers where ctl.js looked (exit 3). */
  CONTROL_UNREACHABLE: 'ERR_CONTROL_UNREACHABLE',
  /** Several launchers run and none was chosen (exit 2). */
  CONTROL_AMBIGUOUS: 'ERR_CONTROL_AMBIGUOUS',
  /** The control connection failed or answered something that is not an answer. */
  CONTROL_PROTOCOL: 'ERR_CONTROL_PROTOCOL',

  // Service group.
  /** Disable/enable named a host/binary the service group does not know. */
  SERVICEGROUP_NOT_FOUND: 'ERR_SERVICEGROUP_NOT_FOUND',
  /** The service group's backend (database, broker, launcher) cannot answer now. */
  SERVICEGROUP_UNAVAILABLE: 'ERR_SERVICEGROUP_UNAVAILABLE',

  // Primary ⇄ worker IPC.
  /** A worker exited while a request to it was pending. */
  IPC_WORKER_EXITED: 'ERR_IPC_WORKER_EXITED',
  /** An IPC request was not answered in time. */
  IPC_TIMEOUT: 'ERR_IPC_TIMEOUT',
  /** The other side's handler failed with an error that has no code of ours. */
  IPC_REMOTE: 'ERR_IPC_REMOTE',

  // RPC (src/rpc/errors.ts; oslo.messaging's class names).
  /** No reply within the call's timeout (MessagingTimeout). */
  RPC_TIMEOUT: 'ERR_RPC_TIMEOUT',
  /** The target cannot be used for this operation (InvalidTarget). */
  RPC_INVALID_TARGET: 'ERR_RPC_INVALID_TARGET',
  /** The message could not be delivered (MessageDeliveryFailure). */
  RPC_DELIVERY: 'ERR_RPC_DELIVERY',
  /** The transport is stopped or could not publish (ClientSendError). */
  RPC_SEND: 'ERR_RPC_SEND',
  /** No compatible endpoint has the method (NoSuchMethod). */
  RPC_NO_SUCH_METHOD: 'ERR_RPC_NO_SUCH_METHOD',
  /** No endpoint accepts the version or namespace (UnsupportedVersion, RpcVersionCapError). */
  RPC_UNSUPPORTED_VERSION: 'ERR_RPC_UNSUPPORTED_VERSION',
  /** The remote endpoint raised (RemoteError). */
  RPC_REMOTE: 'ERR_RPC_REMOTE',
  /** A received message is malformed (InvalidMessage). */
  RPC_INVALID_MESSAGE: 'ERR_RPC_INVALID_MESSAGE',
  /** The embedded transport's router did not answer, or the link is gone. */
  RPC_EMBEDDED: 'ERR_RPC_EMBEDDED',

  // The AMQP transport.
  /** No broker of the transport URL could be reached at start (BrokerConnectError). */
  AMQP_CONNECT: 'ERR_AMQP_CONNECT',
  /** The TLS handshake with the broker failed: certificate or key (BrokerTlsError). */
  AMQP_TLS: 'ERR_AMQP_TLS',
  /** A publish waited too long for a reconnect, or lost its confirm (BrokerUnavailable). */
  AMQP_UNAVAILABLE: 'ERR_AMQP_UNAVAILABLE',
  /** The broker refused a declaration, e.g. 406 (BrokerDeclareError). */
  AMQP_DECLARE: 'ERR_AMQP_DECLARE',

  // Periodic tasks, looping calls and the pool (src/periodic/errors.ts).
  /** A periodic task registration is malformed (bad spacing, unknown method, bad pool name). */
  PERIODIC_TASK_INVALID: 'ERR_PERIODIC_TASK_INVALID',
  /** A task called `offload()` but declares no `pool`, or the scheduler has no TaskPool. */
  PERIODIC_NO_POOL: 'ERR_PERIODIC_NO_POOL',
  /** The reason a running task's signal is aborted: the scheduler is stopping. */
  PERIODIC_STOPPED: 'ERR_PERIODIC_STOPPED',
  /** A looping call was started twice. */
  LOOPING_CALL_STATE: 'ERR_LOOPING_CALL_STATE',
  /** A looping call gave up: BackOff's accumulated failure time passed its timeout. */
  LOOPING_CALL_TIMEOUT: 'ERR_LOOPING_CALL_TIMEOUT',
  /** A DynamicLoopingCall function returned no delay and no maximum is configured. */
  LOOPING_CALL_NO_DELAY: 'ERR_LOOPING_CALL_NO_DELAY',
  /** The pool refused a run: `pool_max_queue` runs are already waiting for a thread. */
  POOL_QUEUE_FULL: 'ERR_POOL_QUEUE_FULL',
  /** A pool run took longer than `pool_task_timeout`; its thread was terminated. */
  POOL_TASK_TIMEOUT: 'ERR_POOL_TASK_TIMEOUT',
  /** A pool run was cancelled through its AbortSignal, or cut by stop() or destroy(). */
  POOL_ABORTED: 'ERR_POOL_ABORTED',
  /** A pool task is neither a module name in pool_directory, an absolute path, nor a file URL. */
  POOL_TASK_NAME: 'ERR_POOL_TASK_NAME',
} as const;

/** One code of the catalogue. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/** True when `code` is in the catalogue (a code that crossed IPC, say). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

/** Base class of every error thrown by this package. */
export class OsloNodeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  // biome-ignore-start lint/complexity/noThisInStatic: `this` is the class instanceof asks about, a subclass included.
  static override [Symbol.hasInstance](value: unknown): boolean {
    // Keep normal subclass semantics, and recognise errors from another copy of the package.
    if (this === OsloNodeError) {
      return typeof value === 'object' && value !== null && kBrand in value;
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
  // biome-ignore-end lint/complexity/noThisInStatic: the method ends here.

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

/**
 * A user module (manager, app, pool task) that does not exist, throws at import, or has no usable
 * default export. `permanent`: a worker that meets it at start tells the launcher, which exits 2
 * instead of restarting it (no restart fixes a file).
 */
export class ModuleLoadError extends OsloNodeError {
  /** The module as the user named it. */
  readonly module: string;
  readonly permanent = true;

  constructor(module: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.MODULE_LOAD, message, options);
    this.module = module;
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

/** A function or constructor got an argument it cannot use; the message names it. */
export class InvalidArgumentError extends OsloNodeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.INVALID_ARG, message, options);
  }
}

/** An operation called in a state that does not allow it. */
export class InvalidStateError extends OsloNodeError {
  constructor(message: string) {
    super(ErrorCodes.INVALID_STATE, message);
  }
}

/** Text of any thrown value, for logs and error messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
