/**
 * The shared listening socket. The primary binds it before forking, keeps it for its whole life
 * and accepts every connection itself (paused, no byte read), then hands each socket to a ready
 * worker round-robin, as node:cluster's SCHED_RR does. Because the socket never closes while
 * workers come and go, a restart (even of every worker) queues connections instead of refusing
 * them, and a worker that drains gets no new connection from the moment it is told to stop.
 *
 * SO_REUSEADDR is set by libuv on every TCP listen socket; SO_REUSEPORT only with `reusePort`
 * (reuse_port), else a second launcher on the same port fails with EADDRINUSE (oslo's eventlet
 * peer silently shares it).
 *
 * The socket may also be inherited (systemd's socket activation, or the launcher this one
 * replaces): then nothing is bound, and the descriptor is listened on as it is. On a handover
 * the other way, `handOver()` stops accepting here and sends every connection this launcher
 * still gets (an idle keep-alive one a draining worker gives back) to the next launcher.
 */
import { closeSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { listeningFd } from '../internals/listen-fd.js';
import { stopReading } from '../internals/socket-read-stop.js';
import type { Logger } from '../logging/logger.js';
import { ConfigError, ErrorCodes, describeError } from '../errors.js';

export interface ListenOptions {
  host: string;
  port: number;
  backlog: number;
  /** Connections held while no worker is ready; beyond it new ones are closed (logged). */
  maxQueued?: number;
  /** Bind with SO_REUSEPORT (reuse_port; Node >= 22.12): other sockets may bind the same port. */
  reusePort?: boolean;
  /** An inherited listening descriptor to serve on instead of binding host:port. */
  inheritedFd?: number;
  /**
   * With `inheritedFd`: its address, known from the launcher that passed it; accepting then
   * waits for startAccepting() (that launcher accepts until this one's workers serve).
   */
  deferredAddress?: { address: string; port: number };
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
  /** Set by handOver(): where every connection goes from then on. */
  #forward: ((socket: Socket) => void) | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: ListenOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#server = createServer(
      // No socket options here: the worker sets no-delay and keep-alive (tcp_keepidle) on the
      // same kernel socket; setting them here too cost the primary 5 syscalls per connection.
      { pauseOnConnect: true },
      (socket) => this.#onConnection(socket),
    );
    this.#server.on('error', (error) => this.#logger.error({ err: error }, 'listening socket error'));
  }

  /**
   * Bind and listen (or listen on the inherited descriptor). A taken port, a bad address or a
   * descriptor that is no TCP socket throws a ConfigError (exit code 2).
   */
  start(): Promise<{ address: string; port: number }> {
    const { inheritedFd, deferredAddress } = this.#options;
    if (inheritedFd !== undefined && deferredAddress) return Promise.resolve(deferredAddress);
    return this.#listen();
  }

  /** With `deferredAddress`: accept on the inherited socket from now on. */
  async startAccepting(): Promise<void> {
    if (this.#options.deferredAddress && !this.#server.listening && !this.#closed) await this.#listen();
  }

  #listen(): Promise<{ address: string; port: number }> {
    const { host, port, backlog, inheritedFd, reusePort } = this.#options;
    const where = inheritedFd === undefined ? `${host}:${port}` : `the inherited socket (descriptor ${inheritedFd})`;
    return new Promise((resolve, reject) => {
      const fail = (why: string, cause?: unknown): void =>
        reject(
          new ConfigError(ErrorCodes.SUPERVISOR_BIND, `cannot listen on ${where}: ${why}`, {
            ...(cause === undefined ? {} : { cause }),
            option: 'port',
          }),
        );
      const onError = (error: NodeJS.ErrnoException): void => {
        fail(
          error.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use${reusePort ? ' by a socket without SO_REUSEPORT' : ''}`
            : describeError(error),
          error,
        );
      };
      this.#server.once('error', onError);
      const onListening = (): void => {
        this.#server.off('error', onError);
        const address = this.#server.address();
        if (address === null || typeof address === 'string') {
          this.#server.close();
          fail('it is not a TCP socket (a .socket unit needs ListenStream=[ADDRESS:]PORT)');
          return;
        }
        resolve({ address: address.address, port: address.port });
      };
      try {
        if (inheritedFd !== undefined) this.#server.listen({ fd: inheritedFd, backlog }, onListening);
        else this.#server.listen({ host, port, backlog, exclusive: true, ...(reusePort ? { reusePort: true } : {}) }, onListening);
      } catch (error) {
        this.#server.off('error', onError);
        fail(describeError(error), error);
      }
    });
  }

  /** The listening descriptor, to pass to another process; undefined when there is none. */
  get fd(): number | undefined {
    return this.#closed ? undefined : listeningFd(this.#server);
  }

  /**
   * Stop accepting (another launcher listens on the same socket now) and send every connection
   * held, given back or not delivered from now on to `forward`. The descriptor is closed here at
   * once; the socket lives on in the other launcher. (Not awaited: server.close() waits for every
   * connection a process it was passed to still holds.)
   */
  handOver(forward: (socket: Socket) => void): void {
    this.#forward = forward;
    this.#sinks = [];
    for (const socket of this.#queued.splice(0)) if (!socket.destroyed) forward(socket);
    void this.stop();
  }

  /** The workers that may receive connections now, in round-robin order. */
  setSinks(sinks: SocketSink[]): void {
    if (this.#forward) return;
    this.#sinks = sinks;
    if (sinks.length > 0) this.#flushQueue();
  }

  /** A worker may take more now (it acknowledged a connection): send it what is held. */
  flushHeld(): void {
    if (this.#queued.length > 0 && this.#sinks.length > 0) this.#flushQueue();
  }

  /**
   * A connection a worker gave back (idle keep-alive, on a reload; the IPC handle of its
   * message): dispatch it like a new one.
   */
  takeBack(handle: unknown): void {
    if (!(handle instanceof Socket)) return;
    // A received handle starts reading at once: stop it before any byte of a request is read
    // here (this runs in the tick the socket was made, before any read).
    if ((this.#closed && !this.#forward) || !stopReading(handle)) {
      handle.destroy();
      return;
    }
    handle.pause();
    this.#onConnection(handle);
  }

  /** A socket whose worker died before taking it: give it to another one (or hold it). */
  redispatch(socket: Socket): void {
    if (this.#closed && !this.#forward) socket.destroy();
    if (socket.destroyed) return;
    if (this.#forward) this.#forward(socket);
    else if (!this.#dispatch(socket)) this.#hold(socket);
  }

  /** Stop accepting and close the socket; held connections are closed (or forwarded, after handOver()). */
  stop(): Promise<void> {
    if (this.#closed) return this.#stopped ?? Promise.resolve();
    this.#closed = true;
    for (const socket of this.#queued.splice(0)) socket.destroy();
    // A deferred inherited socket never listened here: close its descriptor all the same.
    if (!this.#server.listening && this.#options.inheritedFd !== undefined) closeQuietly(this.#options.inheritedFd);
    this.#stopped = new Promise((resolve) => this.#server.close(() => resolve()));
    return this.#stopped;
  }

  #onConnection(socket: Socket): void {
    if (this.#forward) {
      this.#forward(socket);
      return;
    }
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

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
