/**
 * `withTimeout` is the one race against a timer, for the stops of the lifecycle contract
 * (lifecycle.ts: what a stop's `timeoutMs` means).
 */
// Where they were first defined; lifecycle.ts is their home.
export type { LifecycleState, StopOptions } from './lifecycle.js';

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
export async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number | undefined,
  clock: TimerClock = realTimers,
): Promise<T | typeof TIMED_OUT> {
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
