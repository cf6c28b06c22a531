/**
 * The primary's view of one worker process: its slot, state, IPC channel and exit.
 * States follow node's cluster naming: starting → ready → stopping → dead.
 */
import type { Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerInfo, WorkerPayload, WorkerState } from '../ipc/messages.js';

export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

export class WorkerHandle {
  readonly slot: number;
  readonly worker: Worker;
  readonly channel: IpcChannel<WorkerPayload, PrimaryPayload>;
  readonly startedAt = new Date();
  /** Restarts of this slot before this worker, for /v1/workers. */
  readonly restarts: number;
  readonly exited: Promise<WorkerExit>;
  #state: WorkerState = 'starting';
  #readyAt: number | undefined;
  /** True once the primary asked this worker to stop: its exit is not a crash. */
  stopRequested = false;

  constructor(slot: number, worker: Worker, restarts: number) {
    this.slot = slot;
    this.worker = worker;
    this.restarts = restarts;
    this.channel = new IpcChannel<WorkerPayload, PrimaryPayload>(worker);
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code, signal) => {
        this.#state = 'dead';
        this.channel.close(`worker ${slot} (pid ${this.pid}) exited`);
        resolve({ code, signal });
      });
    });
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

  markReady(): void {
    if (this.#state !== 'starting') return;
    this.#state = 'ready';
    this.#readyAt = performance.now();
  }

  /** Hand over an accepted connection; false if this worker cannot take it now. */
  sendSocket = (socket: Socket): boolean => {
    if (this.#state !== 'ready') return false;
    return this.channel.send({ type: 'connection' }, socket);
  };

  /** Ask for a graceful stop; the worker drains and exits 0. */
  requestStop(reason: 'shutdown' | 'reload', timeoutMs: number): void {
    this.stopRequested = true;
    if (this.#state === 'dead') return;
    this.#state = 'stopping';
    if (!this.channel.send({ type: 'stop', reason, timeoutMs })) this.kill();
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
