/**
 * The pre-forked spare (prefork_spare). oslo forks a loaded Python process in ~15 ms; node must
 * exec and load its modules (~300 ms). So the launcher keeps one worker process loaded and
 * waiting for its `hello` answer: a dead worker or a reload takes the spare and is serving in
 * tens of milliseconds. A spare that dies before use is replaced with backoff, and after the
 * restart policy's failure budget the launcher runs without one.
 */
import type { Logger } from '../logging/logger.js';
import type { WorkerInit } from '../ipc/messages.js';
import type { RestartPolicy } from './restart-policy.js';
import type { WorkerHandle } from './worker-handle.js';

/** A loaded worker process waiting for its slot. */
export interface Spare {
  handle: WorkerHandle;
  activate(init: WorkerInit): void;
}

/** The restart-policy key of spares (real slots are 1..N). */
const SPARE_SLOT = 0;

export interface SpareKeeperOptions {
  enabled: boolean;
  logger: Logger;
  policy: RestartPolicy;
  fork(): Spare;
  /** Run `fn` after `delayMs` unless the launcher stops first. */
  schedule(fn: () => void, delayMs: number): void;
}

export class SpareKeeper {
  readonly #options: SpareKeeperOptions;
  #spare: Spare | undefined;
  #disabled = false;

  constructor(options: SpareKeeperOptions) {
    this.#options = options;
  }

  /** Take the spare (it is no longer tracked here), if one exists. */
  take(): Spare | undefined {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare;
  }

  /** Fork a spare if none exists. */
  ensure(): void {
    if (!this.#options.enabled || this.#spare || this.#disabled) return;
    this.#spare = this.#options.fork();
    this.#options.logger.debug({ workerPid: this.#spare.handle.pid }, 'spare worker forked');
  }

  /** Whether `handle` is the spare. */
  owns(handle: WorkerHandle): boolean {
    return this.#spare?.handle === handle;
  }

  /** The spare died unused: replace it after a backoff, or give up on spares. */
  onExit(handle: WorkerHandle, code: number | null, signal: string | null): void {
    this.#spare = undefined;
    const decision = this.#options.policy.onUnexpectedExit(SPARE_SLOT, 0);
    this.#options.logger.warn({ workerPid: handle.pid, code, signal }, 'spare worker died before it was used');
    if (decision.action === 'give-up') {
      this.#disabled = true;
      this.#options.logger.error({ failures: decision.failures }, 'spare workers keep dying; running without a spare');
      return;
    }
    this.#options.schedule(() => this.ensure(), Math.max(decision.delayMs, 1000));
  }

  /**
   * Kill the spare (it holds no work) and return its handle: for a stop, and at the start of a
   * reload, where a spare loaded before the signal runs the old code and must not take a slot.
   */
  discard(): WorkerHandle | undefined {
    const handle = this.take()?.handle;
    if (handle) handle.stopRequested = true;
    handle?.kill();
    return handle;
  }
}
