/**
 * LoopingCall: the common loop of oslo's looping calls (loopingcall.py), without exceptions for
 * control flow. The function ends the loop by returning `loopDone(value)` (oslo raises
 * LoopingCallDone); the owner ends it with stop(), which aborts the signal the function receives
 * and wakes a sleeping loop. Subclasses decide only how long to sleep after each call.
 */
import type { LifecycleState } from '../lifecycle/with-timeout.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { ErrorCodes } from '../errors.js';
import { LoopingCallError } from './errors.js';

const kDone = Symbol('loopDone');

/** Returned by a looping function to end the loop normally with `value`. */
export interface LoopDone<T> {
  readonly [kDone]: true;
  readonly value: T;
}

/** End the loop from inside the function; `wait()` then resolves with `{ reason: 'done', value }`. */
export function loopDone<T = undefined>(value?: T): LoopDone<T> {
  return { [kDone]: true, value: value as T };
}

/** True when a function's result asks to end the loop. */
export function isLoopDone<T>(result: unknown): result is LoopDone<T> {
  return typeof result === 'object' && result !== null && kDone in result;
}

/** How a loop ended: the function returned loopDone(value), or stop() was called. */
export type LoopingCallOutcome<T> = { reason: 'done'; value: T } | { reason: 'stopped' };

/** Options shared by every looping call. */
export interface LoopingCallOptions {
  /** Name in log lines. */
  name?: string;
  /** Wait before the first call (oslo `initial_delay`). Default 0. */
  initialDelayMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** What a subclass's step decides: sleep this long, or end the loop. */
export type LoopStep<T> = { delayMs: number } | LoopDone<T>;

/** The loop itself; see FixedIntervalLoopingCall, DynamicLoopingCall, BackOffLoopingCall. */
export abstract class LoopingCall<T> {
  protected readonly name: string;
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  readonly #initialDelayMs: number;
  readonly #abort = new AbortController();
  #state: LifecycleState = 'new';
  #outcome: Promise<LoopingCallOutcome<T>> | undefined;

  constructor(options: LoopingCallOptions = {}) {
    this.name = options.name ?? new.target.name;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger();
    this.#initialDelayMs = options.initialDelayMs ?? 0;
  }

  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  /** Start the loop. Throws a LoopingCallError if already started (as oslo does). */
  start(): this {
    if (this.#state !== 'new') {
      throw new LoopingCallError(ErrorCodes.LOOPING_CALL_STATE, `${this.name} was already started`);
    }
    this.#state = 'running';
    this.#outcome = this.#loop();
    // wait() hands the rejection to whoever asks; nobody asking must not crash the process.
    this.#outcome.catch(() => undefined);
    return this;
  }

  /** Ask the loop to end and wait until it has (a call in progress finishes first). Never rejects. */
  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#outcome === undefined) {
      this.#state = 'stopped';
      return;
    }
    await this.#outcome.then(
      () => undefined,
      () => undefined,
    );
  }

  /** How the loop ended; rejects with the function's error or a LoopingCallError. */
  wait(): Promise<LoopingCallOutcome<T>> {
    return this.#outcome ?? Promise.resolve({ reason: 'stopped' });
  }

  /** Call the function once and decide what comes next. Throwing ends the loop with that error. */
  protected abstract step(signal: AbortSignal): Promise<LoopStep<T>>;

  async #loop(): Promise<LoopingCallOutcome<T>> {
    const { signal } = this.#abort;
    try {
      await sleep(this.clock, this.#initialDelayMs, signal);
      while (!signal.aborted) {
        const next = await this.step(signal);
        if (isLoopDone<T>(next)) return { reason: 'done', value: next.value };
        await sleep(this.clock, next.delayMs, signal);
      }
      return { reason: 'stopped' };
    } catch (error) {
      this.logger.error({ err: error, loop: this.name }, `${this.name} failed`);
      throw error;
    } finally {
      this.#state = 'stopped';
    }
  }
}
