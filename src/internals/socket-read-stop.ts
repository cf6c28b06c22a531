/**
 * Private internal: the socket's libuv handle (`socket._handle.readStop()`, `reading`). Fallback:
 * callers close the connection instead of moving it (false here). test/unit/internals/ fails
 * loudly when a Node upgrade moves it.
 *
 * Stop a socket's handle from reading, for a socket about to travel (or just received) as an
 * IPC send handle: bytes read into this process's buffers would not travel with the handle, while
 * bytes left in the kernel do.
 *
 * `socket.pause()` is not enough: it only stops the handle when node reads into its own buffer,
 * and node's HTTP server reads the handle from C++. A socket received over IPC starts reading
 * as it is created. readStop() is the handle's own method; `reading` is what node's net module
 * checks before starting again.
 */
import type { Socket } from 'node:net';

/** True when the handle stopped reading; false when the socket has no such handle. */
export function stopReading(socket: Socket): boolean {
  const handle = (socket as unknown as { _handle?: { readStop?: () => number; reading?: boolean } | null })._handle;
  if (typeof handle?.readStop !== 'function') return false;
  handle.reading = false;
  return handle.readStop() === 0;
}
