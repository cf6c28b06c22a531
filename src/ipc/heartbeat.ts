/**
 * The worker liveness heartbeat (worker_heartbeat_timeout). A serving worker sends `heartbeat`
 * over IPC from a timer on its own event loop, so a loop that never yields (a handler stuck in
 * a busy loop) or a stopped process (SIGSTOP) goes silent. Both sides derive the period from
 * the same option: several beats fit in one timeout, and an idle worker wakes at most once a
 * second for it.
 */

/** What a worker was doing at its last beat: the launcher logs it when the worker goes silent. */
export interface WorkerActivity {
  /** HTTP requests in flight. */
  readonly httpInFlight: number;
  /** HTTP requests served since the worker started. */
  readonly httpRequests: number;
  /** How late the worker's heartbeat timer fired, in ms: its event loop's latest stall. */
  readonly loopDelayMs: number;
}

const MIN_PERIOD_MS = 50;
const MAX_PERIOD_MS = 1000;

/** The beat period for a timeout (both in ms); 0 when the check is off. */
export function heartbeatPeriodMs(timeoutMs: number): number {
  if (timeoutMs <= 0) return 0;
  return Math.min(MAX_PERIOD_MS, Math.max(MIN_PERIOD_MS, Math.floor(timeoutMs / 5)));
}
