/**
 * Newline-delimited JSON over a stream socket: the embedded transport's framing on its unix
 * socket. JSON.stringify escapes newlines inside strings, so a raw "\n" always ends a frame.
 */
import type { Socket } from 'node:net';

/**
 * Frames longer than this end the connection: four times the largest RPC body by default
 * (rpc_max_message_bytes, 16 MiB), room for JSON escaping, and a bound on what one client can
 * make the launcher buffer (it was 128 MiB).
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Bytes of unfinished frames held for all the sockets that share it: one client may not hold
 * many unfinished frames' worth of the launcher's memory across many connections.
 */
export class FrameBudget {
  used = 0;
  constructor(readonly max: number) {}
}

export interface ReadFramesOptions {
  /** Longest frame (MAX_FRAME_BYTES). */
  readonly maxFrameBytes?: number;
  /** An unfinished frame older than this ends the connection; 0 (default): no limit. */
  readonly maxFrameMs?: number;
  /** Shared bound on the unfinished frames of several sockets. */
  readonly budget?: FrameBudget;
}

/**
 * Read frames from `socket`. `onFrame` gets each parsed value; `onError` gets a description
 * of the first bad frame (not JSON, longer than `maxFrameBytes`, unfinished for `maxFrameMs`,
 * past the shared budget), after which reading stops. A number is `maxFrameBytes`.
 */
export function readFrames(
  socket: Socket,
  onFrame: (frame: unknown) => void,
  onError: (reason: string) => void,
  options: number | ReadFramesOptions = {},
): void {
  const { maxFrameBytes = MAX_FRAME_BYTES, maxFrameMs = 0, budget } = typeof options === 'number' ? { maxFrameBytes: options } : options;
  let chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  let timer: NodeJS.Timeout | undefined;
  /** Forget the unfinished frame: its bytes leave the budget, its timer stops. */
  const drop = (): void => {
    chunks = [];
    if (budget) budget.used -= size;
    size = 0;
    clearTimeout(timer);
    timer = undefined;
  };
  const fail = (reason: string): void => {
    failed = true;
    drop();
    onError(reason);
  };
  socket.on('close', drop);
  socket.on('data', (data: Buffer) => {
    let start = 0;
    let finished = false;
    for (let end = data.indexOf(10); end !== -1 && !failed; end = data.indexOf(10, start)) {
      const line = chunks.length === 0 ? data.subarray(start, end) : Buffer.concat([...chunks, data.subarray(start, end)]);
      drop();
      finished = true;
      start = end + 1;
      if (line.length === 0) continue;
      if (line.length > maxFrameBytes) return fail(`frame exceeds ${maxFrameBytes} bytes`);
      let frame: unknown;
      try {
        frame = JSON.parse(line.toString('utf8'));
      } catch {
        return fail('frame is not JSON');
      }
      onFrame(frame);
    }
    if (failed || start >= data.length) return;
    const more = data.length - start;
    size += more;
    if (budget) budget.used += more;
    if (size > maxFrameBytes) return fail(`frame exceeds ${maxFrameBytes} bytes`);
    if (budget && budget.used > budget.max) return fail(`unfinished frames of all clients exceed ${budget.max} bytes`);
    chunks.push(data.subarray(start));
    // A trickled frame ends the connection: its timer starts with the frame's first byte.
    if (maxFrameMs > 0 && (finished || timer === undefined)) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!failed && size > 0) fail(`frame unfinished after ${maxFrameMs} ms`);
      }, maxFrameMs);
      timer.unref();
    }
  });
}

/** Write one frame; false when the socket is no longer writable. */
export function writeFrame(socket: Socket, frame: unknown): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(`${JSON.stringify(frame)}\n`);
  return true;
}
