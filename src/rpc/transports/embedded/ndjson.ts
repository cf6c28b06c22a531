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
 * Read frames from `socket`. `onFrame` gets each parsed value; `onError` gets a description
 * of the first bad frame (not JSON, longer than `maxFrameBytes`), after which reading stops.
 */
export function readFrames(socket: Socket, onFrame: (frame: unknown) => void, onError: (reason: string) => void, maxFrameBytes = MAX_FRAME_BYTES): void {
  let chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  const fail = (reason: string): void => {
    failed = true;
    chunks = [];
    onError(reason);
  };
  socket.on('data', (data: Buffer) => {
    let start = 0;
    for (let end = data.indexOf(10); end !== -1 && !failed; end = data.indexOf(10, start)) {
      const line = chunks.length === 0 ? data.subarray(start, end) : Buffer.concat([...chunks, data.subarray(start, end)]);
      chunks = [];
      size = 0;
      start = end + 1;
      if (line.length === 0) continue;
      let frame: unknown;
      try {
        frame = JSON.parse(line.toString('utf8'));
      } catch {
        return fail('frame is not JSON');
      }
      onFrame(frame);
    }
    if (failed || start >= data.length) return;
    size += data.length - start;
    if (size > maxFrameBytes) return fail(`frame exceeds ${maxFrameBytes} bytes`);
    chunks.push(data.subarray(start));
  });
}

/** Write one frame; false when the socket is no longer writable. */
export function writeFrame(socket: Socket, frame: unknown): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(`${JSON.stringify(frame)}\n`);
  return true;
}
