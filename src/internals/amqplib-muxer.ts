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
 * A flush with a single frame to write (a client's request at one call in flight) is not
 * corked: there is nothing to coalesce, and the corked path buffers the frame, then writes it
 * from the buffer (node's clearBuffer), about 1 µs a call more than writing it at once. The
 * frames waiting are the channels' object-mode streams' lengths (`newStreams`, `oldStreams`).
 *
 * The muxer is amqplib's internal (`connection.muxer`, a `Mux` writing to `connection.stream`):
 * when its shape is not the expected one, nothing is changed and frames go out one by one.
 */
import { Socket } from 'node:net';
import type { ChannelModel } from 'amqplib';

interface Muxer {
  out?: unknown;
  _readIncoming?: unknown;
  newStreams?: unknown;
  oldStreams?: unknown;
}

/** A channel's frame queue as the muxer holds it: an object-mode PassThrough, one frame an object. */
interface FrameStream {
  readonly readableLength: number;
  /** Frames not yet through the PassThrough (its readable side was full). */
  readonly writableLength: number;
}

/** True when at most one frame waits in `streams` (and `more`): a flush with nothing to coalesce. */
function atMostOneFrame(streams: readonly FrameStream[], more: readonly FrameStream[]): boolean {
  let frames = 0;
  for (const stream of streams) if ((frames += stream.readableLength + stream.writableLength) > 1) return false;
  for (const stream of more) if ((frames += stream.readableLength + stream.writableLength) > 1) return false;
  return true;
}

/** Cork the connection's socket around each muxer flush; false when amqplib's internals differ. */
export function coalesceFrameWrites(model: ChannelModel): boolean {
  const muxer = (model as unknown as { connection?: { muxer?: Muxer } }).connection?.muxer;
  const socket = muxer?.out;
  const flush = muxer?._readIncoming;
  if (!muxer || !(socket instanceof Socket) || typeof flush !== 'function') return false;
  // Without the stream lists (another amqplib), every flush is corked.
  const counted = Array.isArray(muxer.newStreams) && Array.isArray(muxer.oldStreams);
  muxer._readIncoming = function flushCorked(this: Muxer, ...args: unknown[]): unknown {
    if (counted && atMostOneFrame(this.newStreams as FrameStream[], this.oldStreams as FrameStream[])) {
      return Reflect.apply(flush, this, args);
    }
    socket.cork();
    try {
      return Reflect.apply(flush, this, args);
    } finally {
      socket.uncork();
    }
  };
  return true;
}
