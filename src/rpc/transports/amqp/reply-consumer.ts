/**
 * The transport's one reply queue (`reply_<hex32>` or the queue manager's name, declared like
 * oslo's: x-expires, quorum with rabbit_transient_quorum_queue), declared and consumed
 * on first use, before any call is published, and again after every reconnect under the same
 * name so that replies to calls still in flight can arrive.
 *
 * The reply consumer has a channel of its own and consumes with no-ack: oslo acks each reply on
 * arrival, which protects nothing (a reply whose caller is gone has no one to go to) and costs
 * an ack frame per call. The broker's flow control still applies through TCP.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../../logging/logger.js';
import type { AmqpConnection } from './connection.js';
import { errorText } from './connection.js';
import type { Session } from './session.js';
import { declareQueue, type QueueDecl } from './topology.js';

/** Consumes the reply queue and fans replies out to every registered handler. */
export class ReplyConsumer {
  readonly #connection: AmqpConnection;
  readonly #decl: QueueDecl;
  readonly #logger: Logger;
  readonly #handlers = new Set<(body: Buffer) => void>();
  #started: Promise<string> | undefined;

  constructor({ connection, decl, logger }: { readonly connection: AmqpConnection; readonly decl: QueueDecl; readonly logger: Logger }) {
    this.#connection = connection;
    this.#decl = decl;
    this.#logger = logger;
  }

  /** Add `onReply` and resolve with the queue name once the queue is consumed. */
  use(onReply: (body: Buffer) => void): Promise<string> {
    this.#handlers.add(onReply);
    this.#started ??= this.#connection
      .addResumer((session) => this.#resume(session))
      .then(
        () => this.#decl.name,
        (error: unknown) => {
          this.#started = undefined;
          throw error;
        },
      );
    return this.#started;
  }

  async #resume(session: Session): Promise<void> {
    const channel = await session.model.createChannel();
    channel.on('error', (error: unknown) => {
      session.noteBrokerError(error);
      this.#logger.warn({ err: errorText(error) }, 'AMQP reply channel error');
    });
    channel.on('close', () => {
      // Without its consumer the transport gets no replies: start a new session.
      if (session.alive) void session.close();
    });
    await declareQueue(channel, this.#decl);
    await channel.consume(
      this.#decl.name,
      (message) => {
        if (message === null) return this.#cancelled(session, channel);
        this.#deliver(message);
      },
      { noAck: true, arguments: this.#decl.consumeArguments },
    );
  }

  #cancelled(session: Session, channel: Channel): void {
    if (!session.alive) return;
    this.#logger.warn({ queue: this.#decl.name }, 'the broker cancelled the reply consumer; reconnecting to redeclare it');
    void channel.close().catch(() => undefined);
  }

  #deliver(message: ConsumeMessage): void {
    for (const handler of this.#handlers) {
      try {
        handler(message.content);
      } catch (error) {
        this.#logger.error({ err: errorText(error) }, 'RPC reply handler threw');
      }
    }
  }
}
