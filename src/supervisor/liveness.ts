/**
 * The liveness check (worker_heartbeat_timeout): a serving worker whose heartbeat stops (its
 * event loop blocked by a handler that never returns, the process stopped) is declared hung
 * once, and handed to `onSilent`, which replaces it. Workers starting or draining have their
 * own bounds (worker_start_timeout, graceful_shutdown_timeout) and are not judged here.
 *
 * The launcher's own stalls must not read as its workers' silence: the check runs in a
 * setImmediate after its timer, so heartbeats already waiting on the IPC channels are read
 * first, and a round that itself ran late judges nobody.
 */
import { ms } from '../config/durations.js';
import type { Config } from '../config/options.js';
import type { OperationResult } from '../control/control-protocol.js';
import { heartbeatPeriodMs } from '../ipc/heartbeat.js';
import type { Logger } from '../logging/logger.js';
import type { WorkerHandle } from './worker-handle.js';

export interface LivenessOptions {
  /** worker_heartbeat_timeout in ms, read each round (a reload may change it); 0 = off. */
  timeoutMs(): number;
  /** The workers to judge. */
  handles(): Iterable<WorkerHandle>;
  /** A serving worker went silent for `silentMs`: it is marked hung already. */
  onSilent(handle: WorkerHandle, silentMs: number): void;
}

/** Rounds while the check is off, to notice a reload that turns it on. */
const IDLE_ROUND_MS = 1000;

export class LivenessCheck {
  readonly #options: LivenessOptions;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: LivenessOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (!this.#running) return;
    const timeoutMs = this.#options.timeoutMs();
    const periodMs = timeoutMs > 0 ? heartbeatPeriodMs(timeoutMs) : IDLE_ROUND_MS;
    const due = performance.now() + periodMs;
    this.#timer = setTimeout(() => {
      // Late by more than half a timeout: the launcher itself was stalled; judge next round.
      const lateMs = performance.now() - due;
      setImmediate(() => {
        if (timeoutMs > 0 && lateMs < timeoutMs / 2) this.#judge(timeoutMs);
        this.#schedule();
      });
    }, periodMs);
    this.#timer.unref();
  }

  #judge(timeoutMs: number): void {
    const now = performance.now();
    for (const handle of this.#options.handles()) {
      if (handle.state !== 'ready' || handle.hung || handle.slot === 0) continue;
      const silentMs = now - handle.lastHeard.at;
      if (silentMs <= timeoutMs) continue;
      handle.markHung();
      this.#options.onSilent(handle, silentMs);
    }
  }
}

/**
 * A serving worker sent no heartbeat for worker_heartbeat_timeout: it gets no connection any
 * more; a new worker takes its slot, and it is told to drain, then killed at the drain bound
 * (what it took comes back: its unacknowledged connections go to other workers, the broker
 * requeues its unacknowledged messages). If no replacement can start, it is killed now.
 */
export function replaceHungWorker(
  handle: WorkerHandle,
  silentMs: number,
  config: Config,
  logger: Logger,
  operations: { replace(handle: WorkerHandle): Promise<OperationResult> },
): void {
  const { activity } = handle.lastHeard;
  const seconds = (value: number): string => (value / 1000).toFixed(1);
  logger.error(
    {
      slot: handle.slot,
      workerPid: handle.pid,
      silentMs: Math.round(silentMs),
      lastActivity: activity ?? 'no heartbeat since ready',
      unacknowledgedConnections: handle.unacknowledged,
      drainMs: ms(config, 'graceful_shutdown_timeout'),
    },
    `worker ${handle.slot} (pid ${handle.pid}) sent no heartbeat for ${seconds(silentMs)} s ` +
      `(worker_heartbeat_timeout ${config.worker_heartbeat_timeout} s): its event loop is blocked or the process is stopped; ` +
      'replacing it (killed if it has not drained within graceful_shutdown_timeout)',
  );
  void operations.replace(handle).then((result) => {
    // A reload or a stop that took it first bounds its drain already.
    if (result.ok || handle.state !== 'ready') return;
    logger.error({ slot: handle.slot, workerPid: handle.pid, reason: result.reason }, 'hung worker not replaced; killing it');
    handle.kill();
  });
}
