/** oslo DynamicLoopingCall: the function says how long to sleep before the next call. */
import { ErrorCodes } from '../errors.js';
import { LoopingCallError } from './errors.js';
import { isLoopDone, LoopingCall, type LoopDone, type LoopingCallOptions, type LoopStep } from './looping-call.js';

/** Return the next delay in ms, `undefined` for `maxIntervalMs`, or `loopDone(value)` to end. */
export type DynamicFunction<T> = (signal: AbortSignal) => number | undefined | LoopDone<T> | Promise<number | undefined | LoopDone<T>>;

export interface DynamicOptions extends LoopingCallOptions {
  /** Cap on every delay (oslo `periodic_interval_max`); also the delay for `undefined`. */
  maxIntervalMs?: number;
  /** true (oslo default): an error ends the loop; false: log it and call again after `maxIntervalMs` (oslo: at once). */
  stopOnError?: boolean;
}

/** Calls `fn`, sleeps for the delay it returns (capped at `maxIntervalMs`), and again. */
export class DynamicLoopingCall<T = undefined> extends LoopingCall<T> {
  readonly #fn: DynamicFunction<T>;
  readonly #maxIntervalMs: number | undefined;
  readonly #stopOnError: boolean;

  constructor(fn: DynamicFunction<T>, options: DynamicOptions = {}) {
    super(options);
    this.#fn = fn;
    this.#maxIntervalMs = options.maxIntervalMs;
    this.#stopOnError = options.stopOnError ?? true;
  }

  protected async step(signal: AbortSignal): Promise<LoopStep<T>> {
    let result: number | undefined | LoopDone<T>;
    try {
      result = await this.#fn(signal);
    } catch (error) {
      if (this.#stopOnError || this.#maxIntervalMs === undefined) throw error;
      // oslo takes the failed call's result as 0 s, a tight loop; wait the longest delay instead.
      this.logger.error({ err: error, loop: this.name }, `${this.name} failed; continuing`);
      return { delayMs: this.#maxIntervalMs };
    }
    if (isLoopDone<T>(result)) return result;
    if (result === undefined) {
      if (this.#maxIntervalMs === undefined) {
        throw new LoopingCallError(ErrorCodes.LOOPING_CALL_NO_DELAY, `${this.name} returned no delay and has no maxIntervalMs`);
      }
      return { delayMs: this.#maxIntervalMs };
    }
    return { delayMs: Math.max(0, Math.min(result, this.#maxIntervalMs ?? Infinity)) };
  }
}
