/**
 * The primary's view of one worker process: its slot, state, IPC channel and exit.
 * States follow node's cluster naming: starting → ready → stopping → dead.
 */
import type { Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, StopReason, WorkerInfo, WorkerPayload, WorkerState } from '../ipc/messages.js';

export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

export interface WorkerHandleOptions {
  /** The forked process. */
  readonly worker: Worker;
  /** Slot 1..N; 0 for a spare (forked and loaded, waiting to be assigned a slot). */
  readonly slot?: number;
  /** Restarts of this slot before this worker. */
  readonly restarts?: number;
  /** Gets back a connection the worker did not take, for another worker. */
  readonly onUndelivered: (socket: Socket) => void;
}

export class WorkerHandle {
  readonly worker: Worker;
  readonly channel: IpcChannel<WorkerPayload, PrimaryPayload>;
  readonly startedAt = new Date();
  readonly #onUndelivered: (socket: Socket) => void;
  #slot: number;
  #restarts: number;
  #reachable = true;
  readonly exited: Promise<WorkerExit>;
  #state: WorkerState = 'starting';
  #readyAt: number | undefined;
  /** True once the worker's code is loaded and listening (it said hello). */
  greeted = false;
  /** True once the primary asked this worker to stop: its exit is not a crash. */
  stopRequested = false;

  constructor(options: WorkerHandleOptions) {
    const { worker } = options;
    this.#onUndelivered = options.onUndelivered;
    this.#slot = options.slot ?? 0;
    this.worker = worker;
    this.#restarts = options.restarts ?? 0;
    this.channel = new IpcChannel<WorkerPayload, PrimaryPayload>(worker);
    // EPIPE and friends on a dying worker's channel: its 'exit' tells the story; never crash.
    worker.on('error', () => {});
    // The channel is gone before 'exit' arrives: from now on this worker takes nothing.
    worker.once('disconnect', () => {
      this.#reachable = false;
      this.channel.close(`worker ${this.#slot} (pid ${this.pid}) disconnected`);
    });
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code, signal) => {
        this.#state = 'dead';
        this.channel.close(`worker ${this.#slot} (pid ${this.pid}) exited`);
        resolve({ code, signal });
      });
    });
  }

  /** Slot 1..N this worker serves; 0 while it is a spare. */
  get slot(): number {
    return this.#slot;
  }

  /** Restarts of this slot before this worker, for /v1/workers. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Give a spare its slot. */
  assign(slot: number, restarts: number): void {
    this.#slot = slot;
    this.#restarts = restarts;
  }

  get pid(): number {
    return this.worker.process.pid ?? 0;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** Milliseconds since the worker reported ready (0 if it never did). */
  get upMs(): number {
    return this.#readyAt === undefined ? 0 : performance.now() - this.#readyAt;
  }

  /** The worker said it is stopping (it may have been signalled directly): no more connections. */
  markStopping(): void {
    if (this.#state === 'ready' || this.#state === 'starting') this.#state = 'stopping';
  }

  markReady(): void {
    if (this.#state !== 'starting') return;
    this.#state = 'ready';
    this.#readyAt = performance.now();
  }

  /**
   * Hand over an accepted connection; false if this worker cannot take it now. The primary keeps
   * its copy until the worker acknowledges it (as node's round-robin handles do): a worker that
   * dies before reading the message would otherwise take the connection with it, and the client
   * would hang. An unacknowledged socket goes to `onUndelivered`.
   */
  sendSocket = (socket: Socket): boolean => {
    if (this.#state !== 'ready' || !this.#reachable || this.channel.closed) return false;
    this.channel.request<boolean>({ type: 'connection' }, 0, socket).then(
      // Destroying closes only the primary's descriptor: the worker holds its own.
      (taken) => {
        if (taken) {
          socket.destroy();
          return;
        }
        // The worker refused: it is stopping on its own (a signal sent to it alone).
        this.#reachable = false;
        this.#undelivered(socket);
      },
      () => {
        // A failed send means the worker is going away: take nothing more from here.
        this.#reachable = false;
        this.#undelivered(socket);
      },
    );
    return true;
  };

  /**
   * Give the socket back on a later turn of the event loop: redispatching in the same microtask
   * chain could spin forever on a dying worker before its 'exit' is ever processed.
   */
  #undelivered(socket: Socket): void {
    setImmediate(() => this.#onUndelivered(socket));
  }

  /** Ask for a graceful stop; the worker drains and exits 0. */
  requestStop(reason: StopReason, timeoutMs: number): void {
    this.stopRequested = true;
    if (this.#state === 'dead') return;
    this.#state = 'stopping';
    if (!this.channel.send({ type: 'stop', reason, timeoutMs })) this.kill();
  }

  /** Resolve when the worker has exited, killing it after `timeoutMs` (0 = wait forever). */
  async exitWithin(timeoutMs: number, onOverdue: () => void): Promise<void> {
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            onOverdue();
            this.kill();
          }, timeoutMs)
        : undefined;
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.#state !== 'dead') this.worker.process.kill('SIGKILL');
  }

  info(): WorkerInfo {
    return {
      slot: this.slot,
      pid: this.pid,
      startedAt: this.startedAt.toISOString(),
      restarts: this.restarts,
      ready: this.#state === 'ready',
      state: this.#state,
    };
  }
}
