/**
 * PeriodicScheduler: runs a manager's periodic tasks with oslo's semantics (periodic_task.py and
 * nova's `add_dynamic_timer(periodic_tasks, fuzzy_delay, periodic_interval_max)`), plus what oslo
 * cannot do: tasks run concurrently, never overlap themselves, and a `one-worker` task runs only in
 * the worker the launcher assigned it to.
 *
 * Timing: a task with spacing S runs when `lastRun + S` has passed; `lastRun` then moves to the
 * nearest boundary of its grid (`now - (now - lastRun) % S` plus oslo's 0-5 % jitter), so runs do
 * not drift and missed periods are not replayed. The scheduler sleeps until the next task is due,
 * never longer than `periodic_interval_max`. A `runImmediately` task first runs at start(); any
 * other task's grid starts at `start + U(0, periodic_fuzzy_delay)`, so its first run comes one
 * spacing after that (oslo anchors it at import time, which leaves restarted fleets in step).
 */
import { ms } from '../config/durations.js';
import { ErrorCodes, StopTimeoutError, describeError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { systemClock, type Clock } from './clock.js';
import { PeriodicTaskError } from './errors.js';
import type { PeriodicTaskArgs, PeriodicTaskSpec, RunOn } from './periodic-task.js';
import type { PoolModule } from './pool-module.js';
import type { Lifecycle, LifecycleState, StopOptions } from '../lifecycle/lifecycle.js';
import { TIMED_OUT, withTimeout } from '../lifecycle/with-timeout.js';

/** The three oslo options the scheduler reads (a `Config` satisfies it). */
export interface SchedulerConfig {
  readonly periodic_enable: boolean;
  readonly periodic_fuzzy_delay: number;
  readonly periodic_interval_max: number;
}

/** What the scheduler needs of a TaskPool (src/periodic/pool.ts implements it). */
export interface PoolRunner {
  run<Result = unknown>(module: PoolModule, input: unknown, options?: { signal?: AbortSignal }): Promise<Result>;
}

export interface PeriodicSchedulerOptions {
  config: SchedulerConfig;
  tasks?: Iterable<PeriodicTaskSpec>;
  /** Passed to every task as `ctx`. */
  context?: unknown;
  /** Runs the `offload()` calls of tasks that name a `pool` module. */
  pool?: PoolRunner;
  logger?: Logger;
  clock?: Clock;
  /** U(0, 1) source for the fuzzy delay and the boundary jitter. */
  random?: () => number;
  /** Default of runOnce()'s `raiseOnError` (oslo `raise_on_error`); the timer loop never raises. */
  raiseOnError?: boolean;
}

/** One row of /v1/tasks. */
export interface PeriodicTaskStats {
  name: string;
  spacing: number;
  runOn: RunOn;
  pool: string | null;
  enabled: boolean;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  nextRunAt: string | null;
  runs: number;
  failures: number;
  skippedOverlaps: number;
  running: boolean;
  owned: boolean;
}

interface TaskState {
  readonly spec: PeriodicTaskSpec;
  lastRun: number | undefined;
  lastRunAt: number | undefined;
  lastDurationMs: number | undefined;
  running: Promise<void> | undefined;
  runs: number;
  failures: number;
  skippedOverlaps: number;
}

/** Schedules periodic tasks; see the file comment for the timing rules. */
export class PeriodicScheduler implements Lifecycle {
  readonly #config: SchedulerConfig;
  readonly #tasks = new Map<string, TaskState>();
  readonly #context: unknown;
  readonly #pool: PoolRunner | undefined;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #raiseOnError: boolean;
  readonly #abort = new AbortController();
  #owned = new Set<string>();
  #state: LifecycleState = 'new';
  #timer: unknown;
  #stopped: Promise<void> | undefined;

  constructor(options: PeriodicSchedulerOptions) {
    this.#config = options.config;
    this.#context = options.context;
    this.#pool = options.pool;
    this.#logger = options.logger ?? silentLogger();
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#raiseOnError = options.raiseOnError ?? false;
    for (const spec of options.tasks ?? []) this.addTask(spec);
  }

  /** `'new'` before start(), then `'running'`, `'stopping'`, `'stopped'`. */
  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  /** Add a task (oslo `add_periodic_task`); its grid starts now, or at once if runImmediately. */
  addTask(spec: PeriodicTaskSpec): void {
    if (this.#tasks.has(spec.name)) {
      throw new PeriodicTaskError(ErrorCodes.PERIODIC_TASK_INVALID, `periodic task ${spec.name}: the name is used twice`);
    }
    const lastRun = spec.runImmediately ? undefined : this.#clock.now();
    this.#tasks.set(spec.name, {
      spec,
      lastRun,
      lastRunAt: undefined,
      lastDurationMs: undefined,
      running: undefined,
      runs: 0,
      failures: 0,
      skippedOverlaps: 0,
    });
    if (this.#state === 'running') this.#tick();
  }

  /** Start the timer loop. Idempotent; a no-op once stopping. */
  start(): void {
    if (this.#state !== 'new') return;
    this.#state = 'running';
    const fuzzMs = this.#random() * ms(this.#config, 'periodic_fuzzy_delay');
    const anchor = this.#clock.now() + fuzzMs;
    for (const state of this.#tasks.values()) {
      if (!state.spec.runImmediately && state.lastRunAt === undefined) state.lastRun = anchor;
      if (!state.spec.enabled || state.spec.spacing <= 0)
        this.#logger.info({ task: state.spec.name }, `Skipping periodic task ${state.spec.name} because it is disabled`);
    }
    if (!this.#config.periodic_enable) {
      this.#logger.info('Periodic tasks are disabled (periodic_enable=false)');
      return;
    }
    this.#logger.debug({ tasks: [...this.#tasks.keys()], fuzzMs: Math.round(fuzzMs) }, 'periodic scheduler started');
    this.#tick();
  }

  /**
   * Which `one-worker` tasks this worker owns (the launcher decides). Replaces the previous set;
   * a run in progress of a task no longer owned finishes.
   */
  setOwnedTasks(names: Iterable<string>): void {
    this.#owned = new Set(names);
    this.#logger.info({ tasks: [...this.#owned] }, 'periodic one-worker tasks assigned');
    if (this.#state === 'running') this.#tick();
  }

  /**
   * One pass now (oslo `run_periodic_tasks`): start every due task, wait for the runs it started.
   * Resolves with the milliseconds until the next task is due; with `raiseOnError` rejects with
   * the first task error instead.
   */
  async runOnce(options: { raiseOnError?: boolean } = {}): Promise<number> {
    const { idleMs, started } = this.#pass(options.raiseOnError ?? this.#raiseOnError);
    await Promise.all(started);
    return idleMs;
  }

  /** Per-task figures, in registration order. */
  get stats(): PeriodicTaskStats[] {
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    return [...this.#tasks.values()].map((state) => {
      const { spec } = state;
      const active = this.#isActive(spec);
      return {
        name: spec.name,
        spacing: spec.spacing,
        runOn: spec.runOn,
        pool: spec.pool ?? null,
        enabled: spec.enabled && spec.spacing > 0 && this.#config.periodic_enable,
        lastRunAt: iso(state.lastRunAt),
        lastDurationMs: state.lastDurationMs ?? null,
        nextRunAt:
          active && this.#state === 'running'
            ? iso(state.lastRun === undefined ? this.#clock.now() : state.lastRun + spec.spacing * 1000)
            : null,
        runs: state.runs,
        failures: state.failures,
        skippedOverlaps: state.skippedOverlaps,
        running: state.running !== undefined,
        owned: spec.runOn === 'every-worker' || this.#owned.has(spec.name),
      };
    });
  }

  /**
   * Stop: no new runs; running tasks see their `signal` aborted and get `timeoutMs` to finish
   * (0 or unset: no bound).
   * Idempotent (every caller shares one stop). Rejects with StopTimeoutError if a run outlasts it.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopped ??= this.#stop(options.timeoutMs ?? 0);
    return this.#stopped;
  }

  async #stop(timeoutMs: number): Promise<void> {
    this.#state = 'stopping';
    this.#clock.clearTimeout(this.#timer);
    this.#abort.abort(new PeriodicTaskError(ErrorCodes.PERIODIC_STOPPED, 'periodic scheduler is stopping'));
    const running = [...this.#tasks.values()].flatMap((state) => (state.running ? [state.running] : []));
    const late = (await withTimeout(Promise.allSettled(running), timeoutMs, this.#clock)) === TIMED_OUT;
    this.#state = 'stopped';
    if (late) {
      const names = [...this.#tasks.values()].filter((state) => state.running).map((state) => state.spec.name);
      this.#logger.warn({ tasks: names, timeoutMs }, 'periodic tasks still running after the stop timeout');
      throw new StopTimeoutError(`periodic tasks ${names.join(', ')}`, timeoutMs);
    }
  }

  #isActive(spec: PeriodicTaskSpec): boolean {
    if (!this.#config.periodic_enable || !spec.enabled || spec.spacing <= 0) return false;
    return spec.runOn === 'every-worker' || this.#owned.has(spec.name);
  }

  /** Run a pass and arm the timer for the next one. */
  #tick(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#state !== 'running') return;
    const { idleMs } = this.#pass(false);
    this.#timer = this.#clock.setTimeout(() => this.#tick(), idleMs);
  }

  #pass(raiseOnError: boolean): { idleMs: number; started: Promise<void>[] } {
    const now = this.#clock.now();
    let idleMs = ms(this.#config, 'periodic_interval_max');
    const started: Promise<void>[] = [];
    if (this.#state === 'stopping' || this.#state === 'stopped') return { idleMs, started };
    for (const state of this.#tasks.values()) {
      const { spec } = state;
      if (!this.#isActive(spec)) continue;
      const spacingMs = spec.spacing * 1000;
      if (state.lastRun !== undefined && state.lastRun + spacingMs > now) {
        idleMs = Math.min(idleMs, state.lastRun + spacingMs - now);
        continue;
      }
      state.lastRun = this.#nearestBoundary(state.lastRun, spacingMs, now);
      idleMs = Math.min(idleMs, state.lastRun + spacingMs - now);
      if (state.running) {
        state.skippedOverlaps += 1;
        this.#logger.debug({ task: spec.name }, `Skipping periodic task ${spec.name}: the previous run is still going`);
        continue;
      }
      // Start on a microtask so that #run's `finally` always comes after this bookkeeping.
      const run = Promise.resolve().then(() => this.#run(state, raiseOnError));
      state.running = run.catch(() => undefined);
      started.push(run);
    }
    return { idleMs: Math.max(0, idleMs), started };
  }

  /** oslo `_nearest_boundary`: stay on the grid, skip missed periods, add 0-5 % jitter. */
  #nearestBoundary(lastRun: number | undefined, spacingMs: number, now: number): number {
    if (lastRun === undefined) return now;
    const jitterMs = Math.floor((spacingMs / 1000) * (this.#random() / 20)) * 1000;
    return now - ((now - lastRun) % spacingMs) + jitterMs;
  }

  async #run(state: TaskState, raiseOnError: boolean): Promise<void> {
    const { spec } = state;
    const signal = this.#abort.signal;
    const startedAt = this.#clock.now();
    state.lastRunAt = startedAt;
    this.#logger.debug({ task: spec.name }, `Running periodic task ${spec.name}`);
    const args: PeriodicTaskArgs = {
      signal,
      ctx: this.#context,
      offload: <Result>(input?: unknown): Promise<Result> => {
        if (spec.pool === undefined || this.#pool === undefined) {
          return Promise.reject(
            new PeriodicTaskError(
              ErrorCodes.PERIODIC_NO_POOL,
              `periodic task ${spec.name}: no pool ${spec.pool === undefined ? 'declared' : 'configured'}`,
            ),
          );
        }
        return this.#pool.run<Result>(spec.pool, input, { signal });
      },
    };
    try {
      await spec.run(args);
    } catch (error) {
      // A run cut short by stop() is not a failure of the task.
      if (signal.aborted) {
        this.#logger.info({ task: spec.name, err: describeError(error) }, `Periodic task ${spec.name} ended by the stop`);
      } else {
        state.failures += 1;
        this.#logger.error({ task: spec.name, err: error }, `Error during ${spec.name}`);
      }
      if (raiseOnError) throw error;
    } finally {
      state.runs += 1;
      state.lastDurationMs = this.#clock.now() - startedAt;
      state.running = undefined;
    }
  }
}
