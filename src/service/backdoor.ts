/**
 * oslo's eventlet backdoor, for Node: a REPL with the service in its context, on a unix socket
 * of mode 0600 per worker (never a TCP port, so workers cannot collide and nothing listens on
 * the network). `{pid}` in the path is replaced by the worker's pid.
 */
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { start as startRepl } from 'node:repl';
import type { Logger } from '../logging/logger.js';

export class Backdoor {
  readonly path: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(pathTemplate: string, context: Record<string, unknown>, logger: Logger) {
    this.path = pathTemplate.replaceAll('{pid}', String(process.pid));
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      logger.warn({ socket: this.path }, 'backdoor session opened');
      const repl = startRepl({ input: socket, output: socket, prompt: `oslo-node[${process.pid}]> `, terminal: false, useGlobal: false });
      Object.assign(repl.context, context);
      repl.on('exit', () => socket.end());
    });
  }

  /** Listen; a stale socket file from a dead process is replaced. */
  async start(): Promise<void> {
    try {
      unlinkSync(this.path);
    } catch {
      // No stale file.
    }
    // The mask makes the socket 0600 from its creation, not only after a chmod.
    const previousMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        this.#server.once('error', reject);
        this.#server.listen(this.path, () => resolve());
      });
    } finally {
      process.umask(previousMask);
    }
    chmodSync(this.path, 0o600);
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
