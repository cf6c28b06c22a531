/**
 * The launcher's control socket (ctl.js status | scale | reload | stop | upgrade): a unix socket, 0600
 * from its creation, in the private runtime folder (src/ipc/runtime-dir.ts). Each request is answered when its operation is done, so ctl.js
 * returns when the launcher has finished; a `stop` is answered just before the launcher exits.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { describeError } from '../errors.js';
import { listenInheritedSocket, listenPrivateSocket, socketIdentity, unlinkOwnSocket } from '../ipc/runtime-dir.js';
import { listeningFd } from '../internals/listen-fd.js';
import { stopReading } from '../internals/socket-read-stop.js';
import type { Logger } from '../logging/logger.js';
import { ThrottledWarning } from '../logging/throttled-warning.js';
import { readFrames, writeFrame } from '../rpc/transports/embedded/ndjson.js';
import { controlSocketPathFor, removeDeadControlSockets } from './control-path.js';
import {
  invalidRequest,
  type ControlAnswer,
  type ControlRequest,
  type LauncherStatus,
  type OperationResult,
  type UpgradeResult,
} from './control-protocol.js';
import type { Lifecycle, LifecycleState, StopOptions } from '../lifecycle/lifecycle.js';
import { withTimeout } from '../lifecycle/with-timeout.js';

/** What the control socket can ask of the launcher. */
export interface ControlActions {
  status(): Promise<LauncherStatus>;
  scale(workers: number): Promise<OperationResult>;
  reload(): Promise<OperationResult>;
  stop(): Promise<OperationResult>;
  /** Hand over to a new launcher started from the code on disk (as SIGUSR2). */
  upgrade(): Promise<UpgradeResult>;
}

/**
 * Bounds on same-uid clients (issue 27, 7): a request is a short line, ctl.js opens one
 * connection and sends its request at once. A longer or trickled frame, a connection past the
 * cap, or one idle without a request in progress is closed.
 */
export const CONTROL_BOUNDS = { maxFrameBytes: 4096, maxFrameMs: 5000, maxConnections: 16, idleMs: 10_000 } as const;

export interface ControlServerOptions {
  readonly logger: Logger;
  /** The socket (`control_socket`); unset: `control-<pid>.sock` in the private runtime folder. */
  readonly socketPath?: string;
  /** What requests can ask; may come later (setActions): until then every request is refused. */
  readonly actions?: ControlActions;
}

/** How start() takes the socket. */
export interface ControlServerStartOptions {
  /** The socket the launcher this one replaces served at that same path: served as it is. */
  readonly inherited?: { fd: number; path: string };
  /** reuse_port: take the path over from another launcher of this service. */
  readonly replace?: boolean;
}

export class ControlServer implements Lifecycle {
  #actions: ControlActions | undefined;
  readonly #configuredPath: string | undefined;
  readonly #logger: Logger;
  readonly #warnings: ThrottledWarning;
  readonly #sockets = new Set<Socket>();
  readonly #pending = new Set<Promise<unknown>>();
  #server: Server | undefined;
  #path: string | undefined;
  #forward: ((socket: Socket) => void) | undefined;
  /** The socket file we bound (or adopted): stop() removes the path only while it is still this one. */
  #identity: string | undefined;
  #state: LifecycleState = 'new';

  constructor(options: ControlServerOptions) {
    this.#actions = options.actions;
    this.#configuredPath = options.socketPath;
    this.#logger = options.logger;
    this.#warnings = new ThrottledWarning(options.logger);
  }

  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  setActions(actions: ControlActions): void {
    this.#actions = actions;
  }

  /** The socket path served; undefined before start() and once another launcher serves it. */
  get path(): string | undefined {
    return this.#path;
  }

  /** The listening descriptor (a handover passes it on); undefined when not listening. */
  get fd(): number | undefined {
    return this.#server ? listeningFd(this.#server) : undefined;
  }

  /**
   * Another launcher serves this socket now: connections accepted here from now on go to
   * `forward` unread, and the socket is never closed here (libuv would unlink its path, which is
   * the other launcher's now).
   */
  releaseSocket(forward: (socket: Socket) => void): void {
    this.#path = undefined;
    this.#forward = forward;
    this.#server?.unref();
  }

  /** A ctl.js connection another launcher accepted on our socket and passed on. */
  adoptConnection(socket: Socket): void {
    this.#accept(socket);
  }

  /**
   * Listen on the `socketPath` option, or on `control-<pid>.sock` in the private runtime folder,
   * after removing what SIGKILLed launchers left there (their sockets and records).
   */
  async start(options: ControlServerStartOptions = {}): Promise<string> {
    const { inherited } = options;
    this.#state = 'starting';
    const path = controlSocketPathFor(this.#configuredPath, process.pid, { create: true });
    await removeDeadControlSockets();
    const server = createServer((socket) => this.#accept(socket));
    // Node closes a connection past the cap as soon as it is accepted.
    server.maxConnections = CONTROL_BOUNDS.maxConnections;
    server.on('drop', () =>
      this.#warnings.warn({ maxConnections: CONTROL_BOUNDS.maxConnections }, 'control socket: too many connections; closing new ones'),
    );
    if (inherited && inherited.path === path) await listenInheritedSocket(server, inherited.fd, path, 'control_socket');
    else await listenPrivateSocket(server, path, 'control_socket', { replace: options.replace });
    this.#identity = socketIdentity(path);
    server.on('error', (error) => this.#logger.error({ err: error }, 'control socket error'));
    this.#server = server;
    this.#path = path;
    this.#state = 'running';
    this.#logger.info({ socket: path }, 'control socket listening (node dist/ctl.js)');
    return path;
  }

  #accept(socket: Socket): void {
    if (this.#forward) {
      stopReading(socket);
      this.#forward(socket);
      return;
    }
    this.#sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
    // Idle with nothing in progress: closed (a long scale or reload keeps its connection).
    let inProgress = 0;
    socket.setTimeout(CONTROL_BOUNDS.idleMs, () => {
      if (inProgress === 0) socket.destroy();
    });
    readFrames(
      socket,
      (frame) => {
        const reason = invalidRequest(frame);
        const id = Number((frame as { id?: unknown } | null)?.id) || 0;
        if (reason) {
          writeFrame(socket, { id, ok: false, error: reason, code: 'bad-request' } satisfies ControlAnswer);
          return;
        }
        inProgress++;
        const answer = this.#run(frame as ControlRequest).then((answered) => void writeFrame(socket, answered));
        this.#pending.add(answer);
        void answer.finally(() => {
          inProgress--;
          this.#pending.delete(answer);
        });
      },
      (reason) => {
        this.#warnings.warn({ reason }, 'control socket client sent a bad frame; disconnected');
        socket.destroy();
      },
      { maxFrameBytes: CONTROL_BOUNDS.maxFrameBytes, maxFrameMs: CONTROL_BOUNDS.maxFrameMs },
    );
  }

  async #run(request: ControlRequest): Promise<ControlAnswer> {
    const { id } = request;
    if (request.pid !== undefined && request.pid !== process.pid) {
      return { id, ok: false, error: `this is launcher ${process.pid}, not ${request.pid}`, code: 'wrong-launcher' };
    }
    this.#logger.info({ command: request.command, workers: request.workers }, 'control command');
    const actions = this.#actions;
    if (!actions) return { id, ok: false, error: 'the launcher is starting; try again' };
    try {
      if (request.command === 'status') return { id, ok: true, result: await actions.status() };
      if (request.command === 'upgrade') {
        const upgraded = await actions.upgrade();
        return upgraded.ok ? { id, ok: true, result: { pid: upgraded.pid } } : { id, ok: false, error: upgraded.reason };
      }
      const result =
        request.command === 'scale'
          ? await actions.scale(request.workers!)
          : request.command === 'reload'
            ? await actions.reload()
            : await actions.stop();
      return result.ok ? { id, ok: true } : { id, ok: false, error: result.reason };
    } catch (error) {
      return { id, ok: false, error: describeError(error) };
    }
  }

  /** Answer what is pending (for up to `timeoutMs`, default 2 s), then close every connection and remove the socket file. */
  async stop(options: StopOptions = {}): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    this.#state = 'stopping';
    // A released socket is left open: it goes when this process does, its file stays.
    if (!this.#forward) server.close();
    await withTimeout(Promise.allSettled([...this.#pending]), options.timeoutMs ?? 2000);
    await Promise.all(
      [...this.#sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.end();
            setTimeout(() => (socket.destroy(), resolve()), 500).unref();
          }),
      ),
    );
    // Remove our socket file, but nothing that has replaced it.
    if (this.#path) unlinkOwnSocket(this.#path, this.#identity);
    this.#state = 'stopped';
  }
}
