/** oslo FixedIntervalLoopingCall: start-to-start period, no overlap, no catch-up. */
import { isLoopDone, LoopingCall, type LoopDone, type LoopingCallOptions, type LoopStep } from './looping-call.js';

/** Return nothing to go on, or `loopDone(value)` to end the loop. */
export type FixedIntervalFunction<T> = (signal: AbortSignal) => void | LoopDone<T> | Promise<void | LoopDone<T>>;

export interface FixedIntervalOptions extends LoopingCallOptions {
  /** Start-to-start period. */
  intervalMs: number;
  /** true (oslo default): an error ends the loop and `wait()` rejects; false: log and go on. */
  stopOnError?: boolean;
}

/**
 * Calls `fn` every `intervalMs`, start to start. A run that outlasts the interval is logged
 * ("run outlasted interval") and the next one starts at once; runs never overlap.
 */
export class FixedIntervalLoopingCall<T = undefined> extends LoopingCall<T> {
  readonly #fn: FixedIntervalFunction<T>;
  readonly #intervalMs: number;
  readonly #stopOnError: boolean;

  constructor(fn: FixedIntervalFunction<T>, options: FixedIntervalOptions) {
    super(options);
    this.#fn = fn;
    this.#intervalMs = options.intervalMs;
    this.#stopOnError = options.stopOnError ?? true;
  }

  protected async step(signal: AbortSignal): Promise<LoopStep<T>> {
    const startedAt = this.clock.now();
    try {
      const result = await this.#fn(signal);
      if (isLoopDone<T>(result)) return result;
    } catch (error) {
      if (this.#stopOnError) throw error;
      this.logger.error({ err: error, loop: this.name }, `${this.name} failed; continuing`);
    }
    const delayMs = this.#intervalMs - (this.clock.now() - startedAt);
    if (delayMs < 0) {
      this.logger.warn({ loop: this.name, lateMs: -delayMs }, `${this.name} run outlasted interval by ${(-delayMs / 1000).toFixed(2)} sec`);
    }
    return { delayMs: Math.max(0, delayMs) };
  }
}
