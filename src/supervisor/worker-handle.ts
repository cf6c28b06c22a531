/**
 * The primary's view of one worker process: its slot, state, IPC channel and exit.
 * States follow node's cluster naming: starting → ready → stopping → dead.
 */
import type { Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import { IpcChannel } from '../ipc/channel.js';
import type { WorkerActivity } from '../ipc/heartbeat.js';
import type { Logger } from '../logging/logger.js';
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
  /** Bounds on connections handed over and not yet acknowledged (a hung worker's black hole). */
  readonly handoff: HandoffLimits;
  /** Called after the worker acknowledged a connection: it may take more now. */
  readonly onAcknowledged?: () => void;
  readonly logger: Logger;
}

export interface HandoffLimits {
  /** handoff_ack_timeout: once the oldest unacknowledged connection is this old, send no more. */
  readonly ackTimeoutMs: number;
  /** handoff_max_unacked: never more than this many unacknowledged connections. */
  readonly maxUnacked: number;
}

/** What the launcher last heard from a serving worker (worker_heartbeat_timeout). */
export interface LastHeard {
  /** performance.now() of the last heartbeat (or of ready). */
  readonly at: number;
  /** The activity that heartbeat reported; undefined before the first one. */
  readonly activity: WorkerActivity | undefined;
}

export class WorkerHandle {
  readonly worker: Worker;
  readonly channel: IpcChannel<WorkerPayload, PrimaryPayload>;
  readonly startedAt = new Date();
  readonly #onUndelivered: (socket: Socket) => void;
  readonly #onAcknowledged: (() => void) | undefined;
  readonly #handoff: HandoffLimits;
  readonly #logger: Logger;
  /** Connections handed over and not acknowledged yet, with when each was sent (oldest first). */
  readonly #unacked = new Map<Socket, number>();
  /** Set while new connections skip this worker because an old one is not acknowledged. */
  #stalledSince: number | undefined;
  /** Declared hung (worker_heartbeat_timeout): it gets nothing more and is being replaced. */
  #hung = false;
  #lastHeard: LastHeard = { at: performance.now(), activity: undefined };
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
    this.#onAcknowledged = options.onAcknowledged;
    this.#handoff = options.handoff;
    this.#logger = options.logger;
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
    this.#lastHeard = { at: this.#readyAt, activity: undefined };
  }

  /** A heartbeat arrived: the worker's event loop runs. */
  heard(activity: WorkerActivity): void {
    this.#lastHeard = { at: performance.now(), activity };
  }

  get lastHeard(): LastHeard {
    return this.#lastHeard;
  }

  /** Connections handed over and not acknowledged yet. */
  get unacknowledged(): number {
    return this.#unacked.size;
  }

  get hung(): boolean {
    return this.#hung;
  }

  /** The worker missed its heartbeat: no more connections; it is replaced (supervisor.ts). */
  markHung(): void {
    this.#hung = true;
  }

  /**
   * Hand over an accepted connection; false if this worker cannot take it now. The primary keeps
   * its copy until the worker acknowledges it (as node's round-robin handles do): a worker that
   * dies before reading the message would otherwise take the connection with it, and the client
   * would hang. An unacknowledged socket goes to `onUndelivered`.
   *
   * A worker that stops acknowledging (its event loop blocked, the process stopped) gets at most
   * `maxUnacked` connections, and none once the oldest waits `ackTimeoutMs`: the others serve
   * the rest. What it was given waits for it to wake, or goes to another worker once it is
   * killed (the liveness check); never to two workers at once.
   */
  sendSocket = (socket: Socket): boolean => {
    if (this.#state !== 'ready' || !this.#reachable || this.channel.closed || this.#hung) return false;
    if (!this.#mayTakeMore()) return false;
    this.#unacked.set(socket, performance.now());
    this.channel.request<boolean>({ type: 'connection' }, 0, socket).then(
      // Destroying closes only the primary's descriptor: the worker holds its own.
      (taken) => {
        this.#acknowledged(socket);
        if (taken) {
          socket.destroy();
          return;
        }
        // The worker refused: it is stopping on its own (a signal sent to it alone).
        this.#reachable = false;
        this.#undelivered(socket);
      },
      () => {
        this.#unacked.delete(socket);
        // A failed send means the worker is going away: take nothing more from here.
        this.#reachable = false;
        this.#undelivered(socket);
      },
    );
    return true;
  };

  #mayTakeMore(): boolean {
    if (this.#unacked.size === 0) return true;
    const oldestMs = this.#oldestUnackedMs();
    if (oldestMs < this.#handoff.ackTimeoutMs) return this.#unacked.size < this.#handoff.maxUnacked;
    if (this.#stalledSince === undefined) {
      this.#stalledSince = performance.now();
      this.#logger.warn(
        { slot: this.#slot, workerPid: this.pid, unacknowledged: this.#unacked.size, oldestMs: Math.round(oldestMs) },
        'worker has not acknowledged a connection within handoff_ack_timeout; routing new connections to the others',
      );
    }
    return false;
  }

  /** Age of the oldest unacknowledged connection in ms (0: none). */
  #oldestUnackedMs(): number {
    const oldest = this.#unacked.values().next().value;
    return oldest === undefined ? 0 : performance.now() - oldest;
  }

  #acknowledged(socket: Socket): void {
    this.#unacked.delete(socket);
    if (this.#stalledSince !== undefined && this.#oldestUnackedMs() < this.#handoff.ackTimeoutMs) {
      this.#logger.info(
        { slot: this.#slot, workerPid: this.pid, stalledMs: Math.round(performance.now() - this.#stalledSince) },
        'worker acknowledges connections again',
      );
      this.#stalledSince = undefined;
    }
    this.#onAcknowledged?.();
  }

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
