/**
 * The embedded transport over the launcher's unix socket, for the rpc CLI and other processes
 * on the same host that are not workers of the launcher.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { checkOwnSocket, privateRuntimeDir } from '../../../ipc/runtime-dir.js';
import type { Logger } from '../../../logging/logger.js';
import { readFrames, writeFrame } from './ndjson.js';
import { EmbeddedTransport, EmbeddedTransportError } from './transport.js';

/**
 * The default socket path of the launcher `pid` (default: this process, the launcher itself):
 * `embedded-<pid>.sock` in the private runtime folder (src/ipc/runtime-dir.ts), so that several
 * launchers on one host each have their own. The launcher creates the folder (`create`), a
 * client only checks it, and finds the path in the launcher's record (src/control/launchers.ts).
 * Throws a ConfigError when the folder is not private to us.
 */
export function defaultEmbeddedSocketPath(options: { create?: boolean; pid?: number } = {}): string {
  return join(
    privateRuntimeDir({ option: 'embedded_socket', create: options.create ?? true }),
    `embedded-${options.pid ?? process.pid}.sock`,
  );
}

/**
 * Connect to a launcher's embedded socket and start the transport over it. The socket must be
 * ours (owner and mode checked first: a ConfigError otherwise), so no other user can stand in.
 */
export async function connectEmbeddedSocket(
  path: string,
  options: { logger?: Logger; startTimeoutMs?: number } = {},
): Promise<EmbeddedTransport> {
  checkOwnSocket(path, 'embedded_socket');
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error) =>
      reject(new EmbeddedTransportError(`cannot connect to the embedded transport socket ${path}: ${error.message}`, { cause: error })),
    );
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
