/**
 * The transport's one reply queue (`reply_<hex32>`, x-expires like oslo's), declared and consumed
 * on first use, before any call is published, and again after every reconnect under the same
 * name so that replies to calls still in flight can arrive. Replies are acked on arrival.
 */
import type { ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
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

  constructor(connection: AmqpConnection, decl: QueueDecl, logger: Logger) {
    this.#connection = connection;
    this.#decl = decl;
    this.#logger = logger;
  }

  /** Add `onReply` and resolve with the queue name once the queue is consumed. */
  use(onReply: (body: Buffer) => void): Promise<string> {
    this.#handlers.add(onReply);
    this.#started ??= this.#connection.addResumer((session) => this.#resume(session)).then(
      () => this.#decl.name,
      (error: unknown) => {
        this.#started = undefined;
        throw error;
      },
    );
    return this.#started;
  }

  async #resume(session: Session): Promise<void> {
    await declareQueue(session.consumer, this.#decl);
    await session.consumer.consume(this.#decl.name, (message) => this.#deliver(session, message), { noAck: false });
  }

  #deliver(session: Session, message: ConsumeMessage | null): void {
    if (message === null) {
      if (!session.alive) return;
      this.#logger.warn({ queue: this.#decl.name }, 'the broker cancelled the reply consumer; reconnecting to redeclare it');
      void session.close();
      return;
    }
    if (session.alive) session.consumer.ack(message);
    for (const handler of this.#handlers) {
      try {
        handler(message.content);
      } catch (error) {
        this.#logger.error({ err: errorText(error) }, 'RPC reply handler threw');
      }
    }
  }
}
