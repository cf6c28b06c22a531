/**
 * The time source of the scheduler and the looping calls, injectable so that unit tests drive
 * time by hand instead of sleeping.
 */

/** Monotonic time in epoch milliseconds plus the two timer calls the scheduler needs. */
export interface Clock {
  /** Milliseconds since the epoch, monotonic (a wall-clock jump must not move it). */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock. `timeOrigin + performance.now()` is epoch-like but monotonic: oslo's looping
 * calls stalled when the wall clock jumped (bug 1510234) because eventlet used `time.time`.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolve after `ms` on `clock`, or at once when `signal` aborts (never rejects). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve();
    };
    const handle = clock.setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
