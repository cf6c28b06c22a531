/**
 * oslo.messaging's exception classes, with the same names where they cross the wire
 * (`MessagingTimeout`, `RemoteError`, `NoSuchMethod`, `UnsupportedVersion`, ...).
 */
import { ErrorCodes, OsloNodeError, type ErrorCode } from '../errors.js';

/** Root of every RPC error (oslo's MessagingException). */
export class MessagingException extends OsloNodeError {}

/** A MessagingException class whose code is fixed, built from a message and a cause. */
interface FixedCodeMessagingError {
  new (message: string, options?: { cause?: unknown }): MessagingException;
}

/** The common shape of the RPC errors that carry nothing but their message and cause. */
function messagingError(code: ErrorCode): FixedCodeMessagingError {
  return class extends MessagingException {
    constructor(message: string, options?: { cause?: unknown }) {
      super(code, message, options);
    }
  };
}

/** No reply within the call's timeout (or the call-monitor timeout). */
export class MessagingTimeout extends messagingError(ErrorCodes.RPC_TIMEOUT) {}

/** The target cannot be used for this operation (oslo: also a ValueError). */
export class InvalidTarget extends MessagingException {
  readonly target: unknown;
  constructor(message: string, target: unknown) {
    super(ErrorCodes.RPC_INVALID_TARGET, `Invalid target: ${message}`);
    this.target = target;
  }
}

/**
 * The message could not be delivered: no queue took it within its bound (a call's timeout,
 * rpc_cast_timeout), unroutable with `mandatory: true`, reply queue gone, broker down.
 */
export class MessageDeliveryFailure extends messagingError(ErrorCodes.RPC_DELIVERY) {}

/** The transport is stopped or could not publish. */
export class ClientSendError extends MessagingException {
  constructor(target: { readonly topic?: string } | undefined, cause: unknown) {
    super(
      ErrorCodes.RPC_SEND,
      `Failed to send to target ${target?.topic ?? '?'}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** No compatible endpoint has this method (also: private or non-callable names). */
export class NoSuchMethod extends MessagingException {
  readonly method: string;
  constructor(method: string) {
    super(ErrorCodes.RPC_NO_SUCH_METHOD, `Endpoint does not support RPC method ${method}`);
    this.method = method;
  }
}

/** No endpoint accepts the requested version (or namespace). */
export class UnsupportedVersion extends MessagingException {
  readonly version: string;
  readonly method: string | undefined;
  constructor(version: string, method?: string) {
    super(
      ErrorCodes.RPC_UNSUPPORTED_VERSION,
      method === undefined
        ? `Endpoint does not support RPC version ${version}`
        : `Endpoint does not support RPC version ${version}. Attempted method: ${method}`,
    );
    this.version = version;
    this.method = method;
  }
}

/** An exception raised by the remote endpoint, carried back to the caller. */
export class RemoteError extends MessagingException {
  /** The remote class name, e.g. "ValueError" or "DemoError". */
  readonly excType: string;
  /** The remote module ("builtins", "__main__", or "nodejs" for ours). */
  readonly module: string;
  /** The remote message. */
  readonly value: string;
  /** The remote traceback lines. */
  readonly traceback: readonly string[];

  constructor(excType: string, value: string, traceback: readonly string[] = [], module = '') {
    super(ErrorCodes.RPC_REMOTE, `Remote error: ${excType} ${value}`);
    this.excType = excType;
    this.module = module;
    this.value = value;
    this.traceback = traceback;
  }
}

/** A received RPC message is malformed (not JSON, wrong envelope, wrong field types, too large). */
export class InvalidMessage extends messagingError(ErrorCodes.RPC_INVALID_MESSAGE) {}

/** The client refused to send: the message version is above its `versionCap` (oslo: RPCVersionCapError). */
export class RpcVersionCapError extends UnsupportedVersion {
  readonly versionCap: string;
  constructor(version: string, versionCap: string) {
    super(version);
    this.versionCap = versionCap;
    this.message =
      `Requested message version, ${version} is incompatible.  It needs to be equal in major version and ` +
      `less than or equal in minor version as the specified version cap ${versionCap}.`;
  }
}
