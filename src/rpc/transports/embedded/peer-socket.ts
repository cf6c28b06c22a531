/**
 * The direct path between workers over unix sockets (peer-link.ts, direct.ts): each worker
 * listens on `peer-<pid>.sock` in the private runtime folder (0600, like the embedded socket)
 * and the others connect to it after checking it is a socket of ours. The router hands the
 * addresses around; the launcher removes the socket of a worker that died without closing it.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { checkOwnSocket, listenPrivateSocket, privateRuntimeDir, runtimeDirPath } from '../../../ipc/runtime-dir.js';
import { MAX_FRAME_BYTES } from './ndjson.js';
import type { PeerConnection, PeerNetwork } from './peer-link.js';

/** Most bytes waiting to be written to a worker that does not read: past them the connection is cut. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const PEER_SOCKET_NAME = /^peer-\d+\.sock$/;

/** Unix sockets in the private runtime folder. */
export function unixPeerNetwork(): PeerNetwork {
  let server: Server | undefined;
  let path: string | undefined;
  // A worker that exits without stopping its transport (its channel dropped, an uncaught error)
  // takes its socket file with it; kill -9 leaves it to the launcher (removePeerSocket).
  const unlinkOnExit = (): void => {
    try {
      if (path) unlinkSync(path);
    } catch {
      // Gone already.
    }
  };
  return {
    async listen(onConnection) {
      const address = join(privateRuntimeDir({ option: 'embedded_socket' }), `peer-${process.pid}.sock`);
      const listening = createServer((socket) => onConnection(peerConnection(socket)));
      await listenPrivateSocket(listening, address, 'embedded_socket');
      // The worker's life is its IPC channel's, not this socket's.
      listening.unref();
      server = listening;
      path = address;
      process.once('exit', unlinkOnExit);
      return address;
    },
    async connect(address) {
      if (!checkOwnSocket(address, 'embedded_socket')) throw new Error(`no socket at ${address}`);
      const socket = connect(address);
      await new Promise<void>((resolve_, reject) => {
        socket.once('connect', resolve_);
        socket.once('error', reject);
      });
      return peerConnection(socket);
    },
    close() {
      // Closing the server removes its socket file.
      server?.close();
      server = undefined;
      path = undefined;
      process.off('exit', unlinkOnExit);
    },
  };
}

/** The records of a socket (one a line), with the bounds the embedded socket has. */
function peerConnection(socket: Socket): PeerConnection {
  socket.unref();
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  let partial = '';
  return {
    write(text) {
      if (socket.destroyed || !socket.writable) return false;
      socket.write(text);
      if (socket.writableLength > MAX_BUFFERED_BYTES) socket.destroy();
      return true;
    },
    onRecord(handler) {
      socket.on('data', (chunk: string) => {
        let start = 0;
        let end = chunk.indexOf('\n');
        if (end !== -1 && partial !== '') {
          const record = partial + chunk.slice(0, end);
          partial = '';
          start = end + 1;
          handler(record);
          end = chunk.indexOf('\n', start);
        }
        while (end !== -1) {
          handler(chunk.slice(start, end));
          start = end + 1;
          end = chunk.indexOf('\n', start);
        }
        if (start < chunk.length) {
          partial += chunk.slice(start);
          if (partial.length > MAX_FRAME_BYTES) socket.destroy();
        }
      });
    },
    onClose(handler) {
      socket.once('close', () => handler());
    },
    end() {
      socket.end();
    },
    destroy() {
      socket.destroy();
    },
  };
}

/**
 * Remove the peer socket a dead worker left (kill -9 gives it no time to): only a socket of
 * ours named `peer-<pid>.sock` in the private runtime folder, whatever the worker told the router.
 */
export function removePeerSocket(address: string): void {
  if (!PEER_SOCKET_NAME.test(basename(address)) || resolve(dirname(address)) !== resolve(runtimeDirPath())) return;
  try {
    const stats = lstatSync(address);
    if (!stats.isSocket() || (typeof process.getuid === 'function' && stats.uid !== process.getuid())) return;
    unlinkSync(address);
  } catch {
    // Gone already.
  }
}
