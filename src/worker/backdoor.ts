/**
 * oslo's eventlet backdoor, for Node: a REPL with the service in its context, on a unix socket
 * of mode 0600 per worker (never a TCP port, so workers cannot collide and nothing listens on
 * the network). `{pid}` in the path is replaced by the worker's pid.
 *
 * The REPL runs code as us, so the socket lives in a folder private to us (checked like the
 * runtime folder), is bound by the worker itself (`exclusive`: through node:cluster the primary
 * would bind it with its own umask) under umask 0177, and a path holding anything but a dead
 * socket of ours is refused, never unlinked (src/ipc/runtime-dir.ts).
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { start as startRepl } from 'node:repl';
import { ensurePrivateDir, listenPrivateSocket } from '../ipc/runtime-dir.js';
import type { Logger } from '../logging/logger.js';

export interface BackdoorOptions {
  /** Socket path; `{pid}` is replaced by this process's pid. */
  readonly path: string;
  /** What the REPL sees as globals (the service, its manager, the loggable config). */
  readonly context: Record<string, unknown>;
  readonly logger: Logger;
}

export class Backdoor {
  readonly path: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(options: BackdoorOptions) {
    const { context, logger } = options;
    this.path = options.path.replaceAll('{pid}', String(process.pid));
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      logger.warn({ socket: this.path }, 'backdoor session opened');
      const repl = startRepl({ input: socket, output: socket, prompt: `oslo-node[${process.pid}]> `, terminal: false, useGlobal: false });
      Object.assign(repl.context, context);
      repl.on('exit', () => socket.end());
    });
  }

  /** Listen; a dead socket of ours is replaced, anything else at the path is refused. */
  async start(): Promise<void> {
    ensurePrivateDir(dirname(this.path), { option: 'backdoor_socket', create: false });
    await listenPrivateSocket(this.#server, this.path, 'backdoor_socket');
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    try {
      if (lstatSync(this.path).isSocket()) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}
