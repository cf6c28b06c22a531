/**
 * Private internal: amqplib's muxer (`connection.muxer`), corked around each flush. Fallback:
 * amqplib's own one write per frame. test/unit/internals/ and
 * test/integration/amqp/frames-of-one-flush-go-out-in-one-write.test.ts fail loudly when an
 * amqplib upgrade moves it.
 *
 * One socket write per flush instead of one per frame.
 *
 * amqplib queues each channel's frames and its muxer copies them to the socket one `write()`
 * at a time, each a write(2) of its own: a call costs the client a publish and an ack, the
 * server an ack and a reply, and at 16 calls in flight socket writes took about a quarter of
 * both processes' CPU. Corking the socket while the muxer flushes hands the kernel everything
 * of that flush in one writev(2).
 *
 * The muxer is amqplib's internal (`connection.muxer`, a `Mux` writing to `connection.stream`):
 * when its shape is not the expected one, nothing is changed and frames go out one by one.
 */
import { Socket } from 'node:net';
import type { ChannelModel } from 'amqplib';

interface Muxer {
  out?: unknown;
  _readIncoming?: unknown;
}

/** Cork the connection's socket around each muxer flush; false when amqplib's internals differ. */
export function coalesceFrameWrites(model: ChannelModel): boolean {
  const muxer = (model as unknown as { connection?: { muxer?: Muxer } }).connection?.muxer;
  const socket = muxer?.out;
  const flush = muxer?._readIncoming;
  if (!muxer || !(socket instanceof Socket) || typeof flush !== 'function') return false;
  muxer._readIncoming = function flushCorked(this: Muxer, ...args: unknown[]): unknown {
    socket.cork();
    try {
      return Reflect.apply(flush, this, args);
    } finally {
      socket.uncork();
    }
  };
  return true;
}
