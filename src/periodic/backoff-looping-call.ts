/**
 * oslo BackOffLoopingCall: retry with jittered exponential backoff. The function returns `true`
 * (success: the delay goes back to the starting interval), `false` (failure: it grows), or
 * `loopDone(value)`. Failures that would sleep past `timeoutMs` in total end the loop with
 * ERR_LOOPING_CALL_TIMEOUT. Used by the RPC reconnect.
 */
import { ErrorCodes } from '../errors.js';
import { LoopingCallError } from './errors.js';
import { isLoopDone, LoopingCall, type LoopDone, type LoopingCallOptions, type LoopStep } from './looping-call.js';

export type BackOffFunction<T> = (signal: AbortSignal) => boolean | LoopDone<T> | Promise<boolean | LoopDone<T>>;

/** oslo's `start()` arguments, in ms; defaults as oslo (1 s, 300 s, 300 s, 0.75, 1 ms). */
export interface BackOffOptions extends LoopingCallOptions {
  startingIntervalMs?: number;
  /** Total failure sleep after which the loop gives up (0 = never). */
  timeoutMs?: number;
  maxIntervalMs?: number;
  /** Mean of the Gaussian jitter factor J (sd 0.1); with 0.75 the base grows x1.5 per failure. */
  jitter?: number;
  minIntervalMs?: number;
  /** true (oslo, always): a thrown error ends the loop; false: it counts as a failure. */
  stopOnError?: boolean;
  /** U(0, 1) source for the jitter. */
  random?: () => number;
}

/** Calls `fn` until it returns loopDone, backing off after failures. */
export class BackOffLoopingCall<T = undefined> extends LoopingCall<T> {
  readonly #fn: BackOffFunction<T>;
  readonly #startingIntervalMs: number;
  readonly #timeoutMs: number;
  readonly #maxIntervalMs: number;
  readonly #jitter: number;
  readonly #minIntervalMs: number;
  readonly #stopOnError: boolean;
  readonly #random: () => number;
  #intervalMs: number;
  #errorTimeMs = 0;

  constructor(fn: BackOffFunction<T>, options: BackOffOptions = {}) {
    super(options);
    this.#fn = fn;
    this.#startingIntervalMs = options.startingIntervalMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    this.#maxIntervalMs = options.maxIntervalMs ?? 300_000;
    this.#jitter = options.jitter ?? 0.75;
    this.#minIntervalMs = options.minIntervalMs ?? 1;
    this.#stopOnError = options.stopOnError ?? true;
    this.#random = options.random ?? Math.random;
    this.#intervalMs = this.#startingIntervalMs;
  }

  protected async step(signal: AbortSignal): Promise<LoopStep<T>> {
    let success: boolean;
    try {
      const result = await this.#fn(signal);
      if (isLoopDone<T>(result)) return result;
      success = result;
    } catch (error) {
      if (this.#stopOnError) throw error;
      this.logger.warn({ err: error, loop: this.name }, `${this.name} failed; backing off`);
      success = false;
    }
    const factor = Math.abs(this.#gauss(this.#jitter, 0.1));
    if (success) {
      this.#intervalMs = this.#startingIntervalMs;
      this.#errorTimeMs = 0;
      return { delayMs: this.#intervalMs * factor };
    }
    const idleMs = Math.min(Math.max(this.#intervalMs * 2 * factor, this.#minIntervalMs), this.#maxIntervalMs);
    this.#intervalMs = Math.max(this.#intervalMs * 2 * this.#jitter, this.#minIntervalMs);
    if (this.#timeoutMs > 0 && this.#errorTimeMs + idleMs > this.#timeoutMs) {
      throw new LoopingCallError(ErrorCodes.LOOPING_CALL_TIMEOUT, `${this.name} gave up: failures for more than ${this.#timeoutMs} ms`);
    }
    this.#errorTimeMs += idleMs;
    return { delayMs: idleMs };
  }

  /** Box-Muller normal sample, from the injectable uniform source. */
  #gauss(mean: number, sd: number): number {
    const u = 1 - this.#random();
    const v = this.#random();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
