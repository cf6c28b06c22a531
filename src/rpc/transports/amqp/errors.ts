/** Errors of the AMQP transport; each keeps the amqplib/socket error as `cause`. */
import { ErrorCodes, type ErrorCode } from '../../../errors.js';
import { MessageDeliveryFailure, MessagingException } from '../../errors.js';

/**
 * The transport could not connect. `permanent`: the broker answered and refused (bad
 * credentials, unknown vhost, a TLS certificate it or we reject): retrying cannot help, and a
 * worker that meets it at start exits 2. Otherwise the broker was not there (refused or
 * unanswered socket) and a transport that retries keeps trying.
 */
export class BrokerConnectError extends MessagingException {
  readonly permanent: boolean;
  /** The broker tried (host:port, no credentials), when one attempt failed. */
  readonly broker: string;

  constructor(message: string, options?: { cause?: unknown; permanent?: boolean; broker?: string }) {
    super(ErrorCodes.AMQP_CONNECT, message, options);
    this.permanent = options?.permanent ?? false;
    this.broker = options?.broker ?? 'the broker';
  }
}

/**
 * The TLS handshake with the broker failed: its certificate does not verify (CA, name, expiry)
 * or it refused ours. Retrying does not help until the configuration or certificates change.
 */
export class BrokerTlsError extends BrokerConnectError {
  override readonly code: ErrorCode = ErrorCodes.AMQP_TLS;
}

/**
 * A publish could not be handed to the broker: the connection was down for longer than the
 * publish may wait, or it dropped before the broker confirmed the message (which may or may not
 * have been delivered). A MessageDeliveryFailure with its own code.
 */
export class BrokerUnavailable extends MessageDeliveryFailure {
  override readonly code: ErrorCode = ErrorCodes.AMQP_UNAVAILABLE;
}

/**
 * The broker returned a mandatory publish (basic.return) instead of routing it: with 312
 * NO_ROUTE no queue is bound for its exchange and routing key (none declared yet, or a broker
 * restart deleted a non-durable one). `replyCode` and `replyText` are the broker's.
 */
export class Unroutable extends MessageDeliveryFailure {
  readonly replyCode: number;
  readonly replyText: string;

  constructor(message: string, returned: { readonly replyCode: number; readonly replyText: string }) {
    super(message);
    this.replyCode = returned.replyCode;
    this.replyText = returned.replyText;
  }

  /** 312 NO_ROUTE: no queue bound yet; a later publish may find one. */
  get noRoute(): boolean {
    return this.replyCode === 312;
  }
}

/**
 * The broker refused to declare or consume a queue or exchange, typically 406
 * PRECONDITION_FAILED because it exists with other flags or arguments (another process declared
 * it with different `amqp_durable_queues` / `amqp_auto_delete` / HA / quorum settings).
 */
export class BrokerDeclareError extends MessagingException {
  /** The same declaration is refused again until the configuration (or the queue) changes. */
  readonly permanent = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.AMQP_DECLARE, message, options);
  }
}
