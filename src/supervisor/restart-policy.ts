/**
 * When to re-fork a worker slot after an unexpected exit, and when to give up.
 *
 * oslo's ProcessLauncher sleeps a fixed 1 s after more than N+1 forks in N s and never gives up
 * (a crash loop runs at ~1.5 forks/s forever). Here each slot counts consecutive failed starts:
 * the first crash of a healthy worker is replaced at once (fast recovery from a one-off kill),
 * further ones wait an exponential backoff, and after `maxFailures` the launcher stops with a
 * clear log line and exit code 1 so pm2/systemd can act. A worker that stayed up for
 * `resetAfterMs` counts as healthy again.
 */
export interface RestartPolicyOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  maxFailures: number;
  resetAfterMs: number;
}

export type RestartDecision = { action: 'restart'; delayMs: number; failures: number } | { action: 'give-up'; failures: number };

export class RestartPolicy {
  #options: RestartPolicyOptions;
  #failures = new Map<number, number>();

  constructor(options: RestartPolicyOptions) {
    this.#options = options;
  }

  /**
   * Record an unexpected exit of `slot`. `upMs` is how long the worker had been ready (0 if it
   * never became ready): long enough, and the slot's failure count starts over.
   */
  onUnexpectedExit(slot: number, upMs: number): RestartDecision {
    const { initialDelayMs, maxDelayMs, maxFailures, resetAfterMs } = this.#options;
    const previous = upMs >= resetAfterMs ? 0 : (this.#failures.get(slot) ?? 0);
    const failures = previous + 1;
    this.#failures.set(slot, failures);
    if (failures >= maxFailures) return { action: 'give-up', failures };
    // The first failure after a healthy run restarts at once; then initial, ×2, ×4 … capped.
    const delayMs = failures === 1 ? 0 : Math.min(maxDelayMs, initialDelayMs * 2 ** (failures - 2));
    return { action: 'restart', delayMs, failures };
  }

  /** Forget a slot's history (it was stopped on purpose). */
  reset(slot: number): void {
    this.#failures.delete(slot);
  }
}
