/**
 * The lifecycle contract every long-lived part follows (see README.md, "How it works"):
 * `start()` and `stop(options?)` are awaitable and idempotent (later callers share the first
 * call's promise), `state` names where the part is, and a stop's `timeoutMs` has one meaning
 * everywhere: 0 (or Infinity) is no bound, wait for as long as the work takes, as oslo's
 * `graceful_shutdown_timeout = 0` means "endless wait"; any other value bounds the wait, after
 * which the part cuts what is left. Unset is the part's own default bound where it documents
 * one (TaskPool's stopTimeoutMs, the Supervisor's graceful_shutdown_timeout, the control
 * server's 2 s), else no bound. `destroy()`, where a part has it, is the hard stop.
 * `withTimeout` is the one race against a timer.
 */

/**
 * Where a part is in its lifecycle, the same words everywhere: `new` until start(), then
 * `starting`, `running`, `stopping`, `stopped` (a part without a step skips its word).
 */
export type LifecycleState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** Options of a graceful stop. */
export interface StopOptions {
  /** Bound on the graceful part of the stop, ms; 0: no bound; unset: the part's default (see above). */
  readonly timeoutMs?: number;
}

/** A timer source (the periodic scheduler passes its clock; tests pass a fake one). */
export interface TimerClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: TimerClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What withTimeout resolves with when the bound passed first. */
export const TIMED_OUT: unique symbol = Symbol('oslo-node.timedOut');

/** True when `timeoutMs` bounds a wait (a positive finite number). */
export function isBounded(timeoutMs: number | undefined): timeoutMs is number {
  return timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs);
}

/**
 * Resolve with `work`'s value, or with TIMED_OUT once `timeoutMs` passes first (the work goes on;
 * the caller decides what to cut). Rejects when `work` rejects in time. No bound when
 * `timeoutMs` is 0, undefined or not finite. The timer is cleared either way.
 */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number | undefined, clock: TimerClock = realTimers): Promise<T | typeof TIMED_OUT> {
  if (!isBounded(timeoutMs)) return work;
  let timer: unknown;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = clock.setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}
