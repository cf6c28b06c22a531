/**
 * Private internal: a listening server's file descriptor (`server._handle.fd`, the libuv
 * handle's own getter on Unix). No public fallback: without it the launcher cannot pass its
 * listening sockets to the launcher that replaces it (SIGUSR2, `oslo-node-ctl upgrade`), and
 * the handover is refused with that reason; the launcher keeps serving. test/unit/internals/
 * fails loudly when a Node upgrade moves it.
 */
import type { Server } from 'node:net';

/** The listening descriptor, or undefined when the server has none (not listening, or moved). */
export function listeningFd(server: Server): number | undefined {
  const fd = (server as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
