/**
 * The embedded transport over the launcher's unix socket, for the rpc CLI and other processes
 * on the same host that are not workers of the launcher.
 */
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../logging/logger.js';
import { readFrames, writeFrame } from './ndjson.js';
import { EmbeddedTransport, EmbeddedTransportError } from './transport.js';

/**
 * The default socket path, `${XDG_RUNTIME_DIR || tmpdir}/oslo-node-<uid>/embedded.sock`; the
 * directory is created with mode 0700.
 */
export function defaultEmbeddedSocketPath(): string {
  const uid = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  const dir = join(process.env.XDG_RUNTIME_DIR || tmpdir(), `oslo-node-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, 'embedded.sock');
}

/** Connect to a launcher's embedded socket and start the transport over it. */
export async function connectEmbeddedSocket(path: string, options: { logger?: Logger; startTimeoutMs?: number } = {}): Promise<EmbeddedTransport> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error) => reject(new EmbeddedTransportError(`cannot connect to the embedded transport socket ${path}: ${error.message}`, { cause: error })));
  });
  socket.on('error', () => undefined);
  const transport = new EmbeddedTransport(
    {
      send: (frame) => {
        if (!writeFrame(socket, frame)) throw new EmbeddedTransportError('the embedded transport socket is closed');
      },
      onFrame: (handler) => readFrames(socket, handler, () => socket.destroy()),
      onClose: (handler) => socket.once('close', () => handler()),
      close: () => socket.end(),
    },
    options,
  );
  try {
    await transport.start();
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return transport;
}
