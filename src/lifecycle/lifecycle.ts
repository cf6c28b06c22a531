/**
 * The lifecycle contract every long-lived part follows (see README.md, "How it works"), as a
 * type: `start()` and `stop(options?)` are awaitable and idempotent (later callers share the
 * first call's promise), `state` names where the part is, and a stop's `timeoutMs` has one
 * meaning everywhere: 0 (or Infinity) is no bound, wait for as long as the work takes, as oslo's
 * `graceful_shutdown_timeout = 0` means "endless wait"; any other value bounds the wait, after
 * which the part cuts what is left. Unset is the part's own default bound where it documents
 * one (TaskPool's stopTimeoutMs, the Supervisor's graceful_shutdown_timeout, the control
 * server's 2 s), else no bound. `destroy()`, where a part has it, is the hard stop.
 * The parts say `implements Lifecycle` so that the compiler holds them to it.
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

/**
 * A long-lived part. `State` is LifecycleState, or a part's own words where it has more steps
 * (the Supervisor's `reloading`, `scaling`; the TaskPool's `idle`). What start() and stop()
 * resolve with is the part's own (the Supervisor's stop: the exit code).
 */
export interface Lifecycle<State extends string = LifecycleState> {
  readonly state: State;
  start(): void | Promise<unknown>;
  stop(options?: StopOptions): Promise<unknown>;
}
