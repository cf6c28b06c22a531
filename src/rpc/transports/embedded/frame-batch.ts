/**
 * Frames for one IPC peer, sent together once per event-loop turn. Every IPC message costs a
 * JSON round and a write(2) on each side plus a wake-up of the peer: at 16 calls in flight, one
 * message per frame spent most of the launcher's and the workers' time in `writeUtf8String`.
 * A call's frames made in one turn (a worker's ack and reply, the router's confirm and delivery)
 * now leave in one message, in the order they were made.
 */

/** Most frames in one IPC message; a longer batch is sent at once and a new one begun. */
export const MAX_BATCH_FRAMES = 256;

/** `send(frame)` queues; the queue goes to `write` at the end of this turn (process.nextTick). */
export function frameBatcher(write: (frames: unknown[]) => void): (frame: unknown) => void {
  let batch: unknown[] = [];
  const flush = (): void => {
    if (batch.length === 0) return;
    const frames = batch;
    batch = [];
    write(frames);
  };
  return (frame) => {
    batch.push(frame);
    if (batch.length === 1) process.nextTick(flush);
    else if (batch.length >= MAX_BATCH_FRAMES) flush();
  };
}

/** The frames of a received batch message; anything but an array is no frames. */
export function framesOf(message: { readonly frames?: unknown }): readonly unknown[] {
  return Array.isArray(message.frames) ? message.frames : [];
}
