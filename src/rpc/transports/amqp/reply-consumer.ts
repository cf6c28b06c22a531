/**
 * The transport's one reply queue (`reply_<hex32>`, x-expires like oslo's), declared and consumed
 * on first use, before any call is published, and again after every reconnect under the same
 * name so that replies to calls still in flight can arrive. Replies are acked on arrival.
 *
 * The reply consumer has a channel of its own: every reply on it is acked at once, so one
 * `multiple` ack per event-loop turn covers them all. On the shared consumer channel that is not
 * possible (requests are acked out of order), and a frame per reply is a write(2) per call.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import type { AmqpConnection } from './connection.js';
import { errorText } from './connection.js';
import type { Session } from './session.js';
import { declareQueue, type QueueDecl } from './topology.js';

/** Consumes the reply queue and fans replies out to every registered handler. */
export class ReplyConsumer {
  readonly #connection: AmqpConnection;
  readonly #decl: QueueDecl;
  readonly #prefetch: number;
  readonly #logger: Logger;
  readonly #handlers = new Set<(body: Buffer) => void>();
  #started: Promise<string> | undefined;

  constructor(connection: AmqpConnection, decl: QueueDecl, prefetch: number, logger: Logger) {
    this.#connection = connection;
    this.#decl = decl;
    this.#prefetch = prefetch;
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
    const channel = await session.model.createChannel();
    let open = true;
    channel.on('error', (error: unknown) => this.#logger.warn({ err: errorText(error) }, 'AMQP reply channel error'));
    channel.on('close', () => {
      open = false;
      // Without its consumer the transport gets no replies: start a new session.
      if (session.alive) void session.close();
    });
    if (this.#prefetch > 0) await channel.prefetch(this.#prefetch);
    await declareQueue(channel, this.#decl);
    let last: ConsumeMessage | undefined;
    const flushAcks = (): void => {
      const upTo = last;
      last = undefined;
      if (!open || !upTo) return;
      try {
        channel.ack(upTo, true);
      } catch {
        // The connection is closing (amqplib throws synchronously): the broker requeues nothing
        // we still need, since every reply up to here was handed over already.
      }
    };
    await channel.consume(this.#decl.name, (message) => {
      if (message === null) return this.#cancelled(session, channel);
      if (last === undefined) setImmediate(flushAcks);
      last = message;
      this.#deliver(message);
    }, { noAck: false });
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
