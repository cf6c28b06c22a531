/**
 * The embedded transport's router, living in the launcher (primary) process: workers attach
 * through the cluster IPC channel, the rpc CLI through a unix socket (mode 0600), and every
 * frame goes to one in-memory broker. A malformed frame is logged; a socket client that sends
 * one is disconnected; the router keeps running.
 */
import { InvalidArgumentError, InvalidStateError } from '../../../errors.js';
import { createServer, type Server, type Socket } from 'node:net';
import { listenInheritedSocket, listenPrivateSocket, socketIdentity, unlinkOwnSocket } from '../../../ipc/runtime-dir.js';
import { listeningFd } from '../../../internals/listen-fd.js';
import { stopReading } from '../../../internals/socket-read-stop.js';
import type { Logger } from '../../../logging/logger.js';
import { EmbeddedBroker } from './broker.js';
import { parseClientFrame, type RouterFrame } from './frames.js';
import { ThrottledWarning } from '../../../logging/throttled-warning.js';
import { FrameBudget, MAX_FRAME_BYTES, readFrames, writeFrame } from './ndjson.js';

export interface RouterLink {
  send(frame: unknown): void;
}

export interface EmbeddedRouterOptions {
  readonly logger: Logger;
  /** The unix socket start() serves links on (for the rpc CLI); unset: in-process links only (attach()). */
  readonly socketPath?: string;
  /** Most messages one queue holds (100000). */
  readonly maxQueueLength?: number;
  /** Most queues at once (10000). */
  readonly maxQueues?: number;
  /** Most body bytes waiting in all queues (256 MiB). */
  readonly maxQueuedBytes?: number;
  /** Longest frame a socket client may send (64 MiB). */
  readonly maxFrameBytes?: number;
  /** Most bytes waiting to be written to one socket client that does not read: beyond, it is disconnected (64 MiB). */
  readonly maxClientBufferBytes?: number;
  /** How long a quiet publish's confirmation waits for a frame to ride on, ms (quiet-confirms.ts, 20). */
  readonly quietConfirmIdleMs?: number;
  /** Most socket clients at once (64). */
  readonly maxSocketClients?: number;
  /** How long a socket client's frame may stay unfinished, ms (5000). */
  readonly maxFrameMs?: number;
  /** Most bytes of unfinished frames of all socket clients together (128 MiB). */
  readonly maxUnfinishedBytes?: number;
  /** Most bindings (100000) and exchanges (10000) at once. */
  readonly maxBindings?: number;
  readonly maxExchanges?: number;
}

const DEFAULT_MAX_CLIENT_BUFFER_BYTES = 64 * 1024 * 1024;
/**
 * Socket clients are rpc CLI runs: a few at a time. These bound what clients of our uid can make
 * the launcher hold (issue 27, 7: 8 unfinished 60 MiB frames cost it ~500 MB).
 */
export const DEFAULT_MAX_SOCKET_CLIENTS = 64;
export const DEFAULT_MAX_FRAME_MS = 5000;
export const DEFAULT_MAX_UNFINISHED_BYTES = 128 * 1024 * 1024;

/** How start() takes the socket. */
export interface EmbeddedRouterStartOptions {
  /** The socket bound at `socketPath` by the launcher this one replaces, served as it is. */
  readonly inheritedFd?: number;
  /** reuse_port: take the path over from another launcher of this service. */
  readonly replace?: boolean;
}

/** Routes embedded-transport frames between links. */
export class EmbeddedRouter {
  readonly #logger: Logger;
  readonly #broker: EmbeddedBroker;
  readonly #maxFrameBytes: number;
  readonly #maxClientBufferBytes: number;
  readonly #maxSocketClients: number;
  readonly #maxFrameMs: number;
  readonly #unfinished: FrameBudget;
  readonly #warnings: ThrottledWarning;
  readonly #sockets = new Set<Socket>();
  /** The socket start() serves (the constructor's `socketPath`). */
  #configuredPath: string | undefined;
  #server: Server | undefined;
  /** The path served, while it is ours to remove (released on a handover). */
  #socketPath: string | undefined;
  #forward: ((socket: Socket) => void) | undefined;
  /** The socket file we bound (or adopted): stop() removes the path only while it is still this one. */
  #socketIdentity: string | undefined;
  #socketSeq = 0;

  constructor(options: EmbeddedRouterOptions) {
    this.#logger = options.logger.child({ component: 'embedded-router' });
    this.#configuredPath = options.socketPath;
    this.#broker = new EmbeddedBroker({
      logger: this.#logger,
      maxQueueLength: options.maxQueueLength,
      maxQueues: options.maxQueues,
      maxQueuedBytes: options.maxQueuedBytes,
      quietConfirmIdleMs: options.quietConfirmIdleMs,
      maxBindings: options.maxBindings,
      maxExchanges: options.maxExchanges,
    });
    this.#maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.#maxClientBufferBytes = options.maxClientBufferBytes ?? DEFAULT_MAX_CLIENT_BUFFER_BYTES;
    this.#maxSocketClients = options.maxSocketClients ?? DEFAULT_MAX_SOCKET_CLIENTS;
    this.#maxFrameMs = options.maxFrameMs ?? DEFAULT_MAX_FRAME_MS;
    this.#unfinished = new FrameBudget(options.maxUnfinishedBytes ?? DEFAULT_MAX_UNFINISHED_BYTES);
    this.#warnings = new ThrottledWarning(this.#logger);
  }

  /** Broker counts, for logs and tests. */
  get stats(): {
    links: number;
    queues: number;
    messages: number;
    queuedBytes: number;
    exchanges: number;
    bindings: number;
    unfinishedBytes: number;
  } {
    return { ...this.#broker.stats, unfinishedBytes: this.#unfinished.used };
  }

  /**
   * Add a link (a worker, a socket client). Returns the handler for frames arriving from it.
   * `onMalformed` decides what a bad frame does to the link (default: logged and dropped).
   * `direct`: the link may say where other links reach it directly (direct.ts): workers, not
   * socket clients, whose address could draw calls away from the workers.
   */
  attach(linkId: string, link: RouterLink, onMalformed?: (reason: string) => void, direct = true): (frame: unknown) => void {
    const send = (frame: RouterFrame): void => {
      try {
        link.send(frame);
      } catch (error) {
        this.#logger.warn({ linkId, err: error }, 'embedded link send failed');
      }
    };
    this.#broker.addLink(linkId, send, direct);
    return (raw: unknown): void => {
      const frame = parseClientFrame(raw);
      if (!frame) {
        this.#logger.warn({ linkId }, 'malformed embedded transport frame');
        onMalformed?.('malformed frame');
        return;
      }
      try {
        // A detached link gets errors, so its transport does not wait forever.
        if (!this.#broker.handle(linkId, frame) && 'id' in frame) {
          send({ t: 'done', id: frame.id, error: { code: 'not-found', message: `link ${linkId} is detached` } });
        }
      } catch (error) {
        this.#logger.error({ linkId, err: error }, 'embedded router failed on a frame');
      }
    };
  }

  /**
   * Remove a link: its consumers go, unacked messages are requeued, its own queues deleted.
   * Returns the peer address it said hello with (direct.ts), if any.
   */
  detach(linkId: string): string | undefined {
    const peer = this.#broker.peerOf(linkId);
    this.#broker.removeLink(linkId);
    return peer;
  }

  /** The unix socket start() serves (the `socketPath` option). */
  get socketPath(): string | undefined {
    return this.#configuredPath;
  }

  /**
   * Serve links on the `socketPath` unix socket (0600 from its creation) for the rpc CLI.
   * Refuses with a ConfigError naming `embedded_socket` when a live server answers there or the
   * path holds anything but a dead socket of ours (src/ipc/runtime-dir.ts).
   */
  start(options?: EmbeddedRouterStartOptions): Promise<void>;
  /** @deprecated The path goes in the constructor's `socketPath` option: `start({ inheritedFd, replace })`. */
  start(socketPath: string, inheritedFd?: number, options?: { replace?: boolean }): Promise<void>;
  start(first: EmbeddedRouterStartOptions | string = {}, inheritedFd?: number, legacy: { replace?: boolean } = {}): Promise<void> {
    if (typeof first !== 'string') return this.#start(first);
    if (this.#configuredPath !== undefined && this.#configuredPath !== first) {
      return Promise.reject(
        new InvalidArgumentError(`EmbeddedRouter.start(${first}): the router's socketPath option is ${this.#configuredPath}`),
      );
    }
    this.#configuredPath = first;
    return this.#start({ inheritedFd, replace: legacy.replace });
  }

  async #start(options: EmbeddedRouterStartOptions): Promise<void> {
    const socketPath = this.#configuredPath;
    if (socketPath === undefined) throw new InvalidArgumentError('EmbeddedRouter.start(): no socketPath option to listen on');
    const { inheritedFd } = options;
    if (this.#server) throw new InvalidStateError('the embedded router already listens');
    const server = createServer((socket) => this.#accept(socket));
    // Node closes a connection past the cap as soon as it is accepted.
    server.maxConnections = this.#maxSocketClients;
    server.on('drop', () =>
      this.#warnings.warn({ maxConnections: this.#maxSocketClients }, 'embedded socket: too many clients; closing new ones'),
    );
    if (inheritedFd === undefined) await listenPrivateSocket(server, socketPath, 'embedded_socket', { replace: options.replace });
    else await listenInheritedSocket(server, inheritedFd, socketPath, 'embedded_socket');
    this.#socketIdentity = socketIdentity(socketPath);
    server.on('error', (error) => this.#logger.error({ err: error }, 'embedded socket error'));
    this.#server = server;
    this.#socketPath = socketPath;
    this.#logger.info({ socketPath }, 'embedded transport socket listening');
  }

  #accept(socket: Socket): void {
    if (this.#forward) {
      stopReading(socket);
      this.#forward(socket);
      return;
    }
    const linkId = `socket-${++this.#socketSeq}`;
    this.#sockets.add(socket);
    const send = (frame: unknown): void => {
      if (!writeFrame(socket, frame)) return;
      if (!socket.writableNeedDrain) return;
      // Backpressure: a client that does not read gets no more of our work for its requests
      // (reading from it pauses until it drains), and one that falls too far behind on its
      // deliveries is cut rather than buffered without end.
      if (socket.writableLength > this.#maxClientBufferBytes) {
        this.#logger.warn(
          { linkId, buffered: socket.writableLength, limit: this.#maxClientBufferBytes },
          'embedded socket client does not read; disconnected',
        );
        socket.destroy();
        return;
      }
      if (!socket.isPaused()) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    };
    const receive = this.attach(linkId, { send }, () => socket.destroy(), false);
    readFrames(
      socket,
      receive,
      (reason) => {
        this.#warnings.warn({ linkId, reason }, 'embedded socket client sent a bad frame; disconnected');
        socket.destroy();
      },
      { maxFrameBytes: this.#maxFrameBytes, maxFrameMs: this.#maxFrameMs, budget: this.#unfinished },
    );
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.detach(linkId);
    });
  }

  /** The listening descriptor (a handover passes it on); undefined when not listening. */
  get socketFd(): number | undefined {
    return this.#server ? listeningFd(this.#server) : undefined;
  }

  /**
   * Another launcher serves this socket now: connections accepted here from now on go to
   * `forward` unread, and the socket is never closed here (libuv would unlink its path, which is
   * the other launcher's now); clients already connected stay until stop().
   */
  releaseSocket(forward: (socket: Socket) => void): void {
    this.#socketPath = undefined;
    this.#forward = forward;
    this.#server?.unref();
  }

  /** Clients connected on the unix socket now (the rpc CLI, library clients). */
  get socketClients(): number {
    return this.#sockets.size;
  }

  /** A client connection another launcher accepted on our socket and passed on. */
  adoptConnection(socket: Socket): void {
    this.#accept(socket);
  }

  /** Stop listening, disconnect socket clients and remove the socket file. Idempotent. */
  async stop(): Promise<void> {
    this.#broker.close();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const socket of this.#sockets) socket.destroy();
    // A released socket is left open: it goes when this process does, its file stays.
    if (this.#forward) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Remove the socket file, but nothing that has replaced it.
    if (this.#socketPath) unlinkOwnSocket(this.#socketPath, this.#socketIdentity);
  }
}
