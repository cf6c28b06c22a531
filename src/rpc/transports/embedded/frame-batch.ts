/**
 * Frames for one IPC peer, sent together. Every IPC message costs a JSON round and a write(2) on
 * each side plus a wake-up of the peer: at 16 calls in flight, one message per frame spent most
 * of the launcher's and the workers' time in `writeUtf8String`. Frames leave in the order they
 * were made, in one message per flush:
 * - `turn`: flushed at the end of the current callback (process.nextTick).
 * - `iteration` (the launcher's router and the workers): flushed once the event loop's poll
 *   phase is done (setImmediate), so that what the router makes for messages read from several
 *   workers in one poll goes to each peer in one message, and a worker's ack and its reply, made
 *   a few microtasks apart, leave together.
 */

/** Most frames in one IPC message; a longer batch is sent at once and a new one begun. */
export const MAX_BATCH_FRAMES = 256;

/** `send(frame)` queues; the queue goes to `write` at the end of the turn or of the poll phase. */
export function frameBatcher(write: (frames: unknown[]) => void, flushAfter: 'turn' | 'iteration' = 'turn'): (frame: unknown) => void {
  const schedule = flushAfter === 'turn' ? process.nextTick : setImmediate;
  let batch: unknown[] = [];
  const flush = (): void => {
    if (batch.length === 0) return;
    const frames = batch;
    batch = [];
    write(frames);
  };
  return (frame) => {
    batch.push(frame);
    if (batch.length === 1) schedule(flush);
    else if (batch.length >= MAX_BATCH_FRAMES) flush();
  };
}

/** The frames of a received batch message; anything but an array is no frames. */
export function framesOf(message: { readonly frames?: unknown }): readonly unknown[] {
  return Array.isArray(message.frames) ? message.frames : [];
}
