/**
 * Acks of one consumer channel, sent together: one basic.ack with `multiple` for every
 * delivery acked since the last flush when no older delivery is still unsettled, single acks
 * for the others. A flush runs once per turn of the event loop (process.nextTick), before
 * amqplib writes the turn's frames, so an ack leaves in the same socket write as it did
 * when it was sent on its own: no ack waits longer than before.
 *
 * With several calls in flight a server gets several deliveries per socket read and acked
 * each with a frame of its own; on a quorum queue each ack is also an entry in the queue's
 * Raft log. A `multiple` ack settles them with one frame and one entry. `multiple` acks every unsettled delivery up to its tag
 * on the channel, so a delivery that waits for an executor slot (unacked on purpose: the
 * prefetch bound) or that another listener on the channel still handles keeps the ack from
 * covering it: acks past it go out one by one.
 */
import type { Channel, Message } from 'amqplib';

export class AckBatch {
  readonly #channel: Channel;
  /** Delivered and neither acked nor rejected yet, in delivery (= tag) order. */
  readonly #unsettled = new Set<number>();
  /** Acked since the last flush, in the order of the acks. */
  #acked: number[] = [];
  #scheduled = false;
  #closed = false;
  readonly #flush = (): void => this.#send();

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  /** A delivery arrived with this tag (every delivery on the channel must be reported). */
  delivered(tag: number): void {
    this.#unsettled.add(tag);
  }

  /** Ack `tag` at the end of this turn. */
  ack(tag: number): void {
    if (!this.#unsettled.delete(tag)) return;
    this.#acked.push(tag);
    if (this.#scheduled) return;
    this.#scheduled = true;
    process.nextTick(this.#flush);
  }

  /** `tag` was rejected or requeued (sent at once, by the caller): no ack may cover it. */
  settled(tag: number): void {
    this.#unsettled.delete(tag);
  }

  /** The channel is gone: nothing more is sent (the broker requeued what was not acked). */
  close(): void {
    this.#closed = true;
    this.#unsettled.clear();
    this.#acked = [];
  }

  #send(): void {
    this.#scheduled = false;
    const acked = this.#acked;
    this.#acked = [];
    if (this.#closed || acked.length === 0) return;
    const oldestUnsettled = this.#unsettled.size === 0 ? Number.POSITIVE_INFINITY : this.#unsettled.values().next().value!;
    let upTo = -1;
    try {
      for (const tag of acked) {
        if (tag < oldestUnsettled) {
          if (tag > upTo) upTo = tag;
        } else {
          this.#channel.ack(messageWithTag(tag), false);
        }
      }
      if (upTo >= 0) this.#channel.ack(messageWithTag(upTo), true);
    } catch {
      // amqplib throws when the channel is already closing; the broker requeues the messages.
    }
  }
}

/** What amqplib's ack reads of a message: its delivery tag. */
function messageWithTag(deliveryTag: number): Message {
  return { fields: { deliveryTag } } as unknown as Message;
}
