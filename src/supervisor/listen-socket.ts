/**
 * The shared listening socket. The primary binds it before forking, keeps it for its whole life
 * and accepts every connection itself (paused, no byte read), then hands each socket to a ready
 * worker round-robin, as node:cluster's SCHED_RR does. Because the socket never closes while
 * workers come and go, a restart (even of every worker) queues connections instead of refusing
 * them, and a worker that drains gets no new connection from the moment it is told to stop.
 *
 * SO_REUSEADDR is set by libuv on every TCP listen socket; SO_REUSEPORT is not, so a second
 * launcher on the same port fails with EADDRINUSE (oslo's eventlet peer silently shares it).
 */
import { createServer, Socket, type Server } from 'node:net';
import { stopReading } from '../internals/socket-read-stop.js';
import type { Logger } from '../logging/logger.js';
import { ConfigError, ErrorCodes, OsloNodeError, describeError } from '../errors.js';

export interface ListenOptions {
  host: string;
  port: number;
  backlog: number;
  /** `tcp_keepidle` in ms: idle time before the first keep-alive probe. */
  keepIdleMs: number;
  /** Connections held while no worker is ready; beyond it new ones are closed (logged). */
  maxQueued?: number;
}

/** Where a socket goes: returns false when the target could not take it. */
export type SocketSink = (socket: Socket) => boolean;

export class ListenSocket {
  #server: Server;
  #options: ListenOptions;
  #logger: Logger;
  #sinks: SocketSink[] = [];
  #next = 0;
  #queued: Socket[] = [];
  #closed = false;

  constructor(options: ListenOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#server = createServer(
      { pauseOnConnect: true, keepAlive: true, keepAliveInitialDelay: options.keepIdleMs, noDelay: true },
      (socket) => this.#onConnection(socket),
    );
    this.#server.on('error', (error) => this.#logger.error({ err: error }, 'listening socket error'));
  }

  /** Bind and listen. A taken port or a bad address throws a ConfigError (exit code 2). */
  start(): Promise<{ address: string; port: number }> {
    const { host, port, backlog } = this.#options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        const why = error.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : describeError(error);
        reject(new ConfigError(ErrorCodes.SUPERVISOR_BIND, `cannot listen on ${host}:${port}: ${why}`, { cause: error, option: 'port' }));
      };
      this.#server.once('error', onError);
      this.#server.listen({ host, port, backlog, exclusive: true }, () => {
        this.#server.off('error', onError);
        const address = this.#server.address();
        if (address === null || typeof address === 'string') throw new OsloNodeError(ErrorCodes.SUPERVISOR_BIND, 'the listening socket has no TCP address');
        resolve({ address: address.address, port: address.port });
      });
    });
  }

  /** The workers that may receive connections now, in round-robin order. */
  setSinks(sinks: SocketSink[]): void {
    this.#sinks = sinks;
    if (sinks.length > 0) this.#flushQueue();
  }

  /**
   * A connection a worker gave back (idle keep-alive, on a reload; the IPC handle of its
   * message): dispatch it like a new one.
   */
  takeBack(handle: unknown): void {
    if (!(handle instanceof Socket)) return;
    // A received handle starts reading at once: stop it before any byte of a request is read
    // here (this runs in the tick the socket was made, before any read).
    if (this.#closed || !stopReading(handle)) {
      handle.destroy();
      return;
    }
    handle.pause();
    this.#onConnection(handle);
  }

  /** A socket whose worker died before taking it: give it to another one (or hold it). */
  redispatch(socket: Socket): void {
    if (this.#closed) socket.destroy();
    if (socket.destroyed) return;
    if (!this.#dispatch(socket)) this.#hold(socket);
  }

  /** Stop accepting and close the socket; held connections are closed. */
  stop(): Promise<void> {
    this.#closed = true;
    for (const socket of this.#queued.splice(0)) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #onConnection(socket: Socket): void {
    // Errors on a socket we only hold (client reset while queued) must not crash the primary.
    socket.on('error', () => socket.destroy());
    if (!this.#dispatch(socket)) this.#hold(socket);
  }

  #dispatch(socket: Socket): boolean {
    for (let tries = 0; tries < this.#sinks.length; tries++) {
      const sink = this.#sinks[this.#next++ % this.#sinks.length]!;
      if (sink(socket)) return true;
    }
    return false;
  }

  #hold(socket: Socket): void {
    const max = this.#options.maxQueued ?? 1024;
    if (this.#queued.length >= max) {
      this.#logger.warn({ queued: this.#queued.length }, 'no worker ready and the hold queue is full; closing connection');
      socket.destroy();
      return;
    }
    this.#queued.push(socket);
    socket.once('close', () => {
      const index = this.#queued.indexOf(socket);
      if (index !== -1) this.#queued.splice(index, 1);
    });
  }

  #flushQueue(): void {
    while (this.#queued.length > 0 && this.#sinks.length > 0) {
      const socket = this.#queued.shift()!;
      if (socket.destroyed) continue;
      if (!this.#dispatch(socket)) {
        this.#queued.unshift(socket);
        return;
      }
    }
  }
}
