/**
 * TaskPool: the per-worker piscina pool that runs CPU-heavy task modules (one default-exported
 * function each: a name in `pool_directory`, an absolute path or a file URL, see pool-module.ts)
 * off the event loop. Created on the first run, bounded in threads and in queued runs, every run
 * cancellable and timed; `stop()` drains it, `destroy()` aborts what runs (the lifecycle contract
 * of src/lifecycle/lifecycle.ts). piscina itself is imported then too: a worker that never runs a
 * pool task does not carry it (issue 29); `checkInstalled()` lets a start fail early without it.
 */
import { ms } from '../config/durations.js';
import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import type { TransferListItem } from 'node:worker_threads';
import { ClosedError, ErrorCodes, ModuleLoadError, describeError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { PoolError } from './errors.js';
import {
  poolModuleExists,
  poolModulePath,
  poolModuleText,
  resolvePoolDirectory,
  resolvePoolModule,
  type PoolModule,
} from './pool-module.js';
import type { PoolRunner } from './scheduler.js';
import { checkModuleTrust } from '../security/file-trust.js';
import type { Lifecycle, StopOptions } from '../lifecycle/lifecycle.js';
import { TIMED_OUT, withTimeout } from '../lifecycle/with-timeout.js';

export interface TaskPoolOptions {
  /** Threads (`pool_threads`); 0 = max(1, floor(availableParallelism / workers)). Default 0. */
  threads?: number;
  /** Worker processes sharing the cores, for `threads: 0` (`workers`). Default 1. */
  workers?: number;
  /** Runs that may wait for a thread (`pool_max_queue`); more are refused. Default 64. */
  maxQueue?: number;
  /** Longest a run may take, queue wait included (`pool_task_timeout` x 1000); 0 = none. */
  taskTimeoutMs?: number;
  /** How long stop() without a `timeoutMs` lets running tasks finish before terminating their threads; 0: no bound. Default 10 s. */
  stopTimeoutMs?: number;
  /** Folder of the modules named bare (`pool_directory`; a path relative to the working directory). Default dist/pool-tasks/. */
  directory?: URL | string;
  /** How long an idle thread lives. Default 30 s. */
  idleTimeoutMs?: number;
  logger?: Logger;
}

/** The config options TaskPool.fromConfig reads (a `Config` satisfies it). */
export interface PoolConfig {
  readonly pool_threads: number;
  readonly pool_max_queue: number;
  readonly pool_task_timeout: number;
  readonly workers: number;
  readonly pool_directory?: string | undefined;
}

/** Per-run options. */
export interface PoolRunOptions {
  signal?: AbortSignal;
  /** Overrides the pool's `taskTimeoutMs` for this run. */
  timeoutMs?: number;
  transferList?: readonly TransferListItem[];
}

/** `idle` until the first run creates the threads. */
export type TaskPoolState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Counters for status pages. */
export interface TaskPoolStats {
  state: TaskPoolState;
  threads: number;
  liveThreads: number;
  pending: number;
  completed: number;
  failed: number;
  refused: number;
  timedOut: number;
  aborted: number;
}

/** piscina's Piscina class, imported on first use; a package that does not load is a ModuleLoadError. */
async function importPiscina(): Promise<typeof Piscina> {
  try {
    return (await import('piscina')).Piscina;
  } catch (error) {
    throw piscinaError(error);
  }
}

function piscinaError(cause: unknown): ModuleLoadError {
  return new ModuleLoadError('piscina', `the task pool needs the piscina package, which does not load: ${describeError(cause)}`, { cause });
}

/** piscina's message for a module without a function to run (piscina/dist/worker.js). */
const NO_HANDLER = /^No handler function exported from /;

/** `pool_threads` resolved: 0 means a fair share of the cores among the worker processes. */
export function resolvePoolThreads(threads: number, workers: number): number {
  if (threads > 0) return threads;
  return Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
}

/** A piscina pool behind the PoolRunner interface; see the file comment. */
export class TaskPool implements PoolRunner, Lifecycle<TaskPoolState> {
  readonly #threads: number;
  readonly #maxQueue: number;
  readonly #taskTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  readonly #directory: URL;
  readonly #idleTimeoutMs: number;
  readonly #logger: Logger;
  readonly #stopAbort = new AbortController();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #counts = { completed: 0, failed: 0, refused: 0, timedOut: 0, aborted: 0 };
  /** Module files seen to exist: checked once each, not on every run. */
  readonly #found = new Set<string>();
  #piscina: Piscina | undefined;
  /** The pool being created: piscina's import, then the Piscina (see #pool). */
  #creating: Promise<Piscina> | undefined;
  #state: TaskPoolState = 'idle';
  #stopped: Promise<void> | undefined;

  constructor(options: TaskPoolOptions = {}) {
    this.#threads = resolvePoolThreads(options.threads ?? 0, options.workers ?? 1);
    this.#maxQueue = options.maxQueue ?? 64;
    this.#taskTimeoutMs = options.taskTimeoutMs ?? 0;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.#directory = resolvePoolDirectory(options.directory);
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.#logger = options.logger ?? silentLogger();
  }

  /** A pool sized from the `pool_*` options and `workers`. */
  static fromConfig(config: PoolConfig, extra: Omit<TaskPoolOptions, 'threads' | 'workers' | 'maxQueue' | 'taskTimeoutMs'> = {}): TaskPool {
    return new TaskPool({
      directory: config.pool_directory,
      ...extra,
      threads: config.pool_threads,
      workers: config.workers,
      maxQueue: config.pool_max_queue,
      taskTimeoutMs: ms(config, 'pool_task_timeout'),
    });
  }

  /** Where this part is in its lifecycle. */
  get state(): TaskPoolState {
    return this.#state;
  }

  /** The thread count this pool grows to. */
  get threads(): number {
    return this.#threads;
  }

  get stats(): TaskPoolStats {
    return {
      state: this.#state,
      threads: this.#threads,
      liveThreads: this.#piscina?.threads.length ?? 0,
      pending: this.#inFlight.size,
      ...this.#counts,
    };
  }

  /** The folder bare module names are looked up in. */
  get directory(): URL {
    return this.#directory;
  }

  /**
   * The file URL of `module` (a bare name is NAME.js in the pool's directory).
   * @throws PoolError ERR_POOL_TASK_NAME when it is not a name, an absolute path or a file URL.
   */
  resolve(module: PoolModule): URL {
    const url = resolvePoolModule(module, this.#directory);
    // A module others may change is refused (ModuleLoadError; issue 27, 11); checked until found.
    if (!this.#found.has(url.href)) checkModuleTrust(poolModuleText(module), url.href, 'pool');
    return url;
  }

  /**
   * Check, without a thread, that `module` names an existing file; `user` says who names it in
   * the message (`periodic task checksum`). For a start that must fail early, before it serves.
   * @throws ModuleLoadError (ERR_MODULE_LOAD, permanent) naming `user` and the path; PoolError
   *   ERR_POOL_TASK_NAME for a reference that is not a module.
   */
  check(module: PoolModule, user = `pool task ${poolModuleText(module)}`): URL {
    const url = this.resolve(module);
    if (!this.#exists(url)) throw new ModuleLoadError(poolModuleText(module), `${user}: pool module ${poolModulePath(url)} does not exist`);
    return url;
  }

  /**
   * Run `module`'s default export with `input` in a thread. Rejects with the thread's own error
   * (message and stack kept), or a PoolError: ERR_POOL_QUEUE_FULL, ERR_POOL_TASK_TIMEOUT,
   * ERR_POOL_ABORTED, ERR_POOL_TASK_NAME, ERR_MODULE_LOAD (no such file, no default function); a
   * ClosedError once stopping.
   */
  run<Result = unknown>(module: PoolModule, input: unknown, options: PoolRunOptions = {}): Promise<Result> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return Promise.reject(new ClosedError('task pool'));
    let url: URL;
    try {
      url = this.resolve(module);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const task = poolModuleText(module);
    if (!this.#exists(url)) {
      this.#counts.failed += 1;
      return Promise.reject(
        new PoolError(ErrorCodes.MODULE_LOAD, `pool task ${task}: module ${poolModulePath(url)} does not exist`, { task }),
      );
    }
    if (this.#inFlight.size >= this.#threads + this.#maxQueue) {
      this.#counts.refused += 1;
      return Promise.reject(
        new PoolError(
          ErrorCodes.POOL_QUEUE_FULL,
          `pool task ${task} refused: ${this.#maxQueue} runs already wait for a thread (pool_max_queue)`,
          { task },
        ),
      );
    }
    const run = this.#run<Result>(task, url, input, options);
    this.#inFlight.add(run);
    const forget = (): void => {
      this.#inFlight.delete(run);
    };
    run.then(forget, forget);
    return run;
  }

  /**
   * Create the pool now rather than at the first run(). No thread starts (they start on demand,
   * minThreads 0), so there is nothing to wait for; the lifecycle contract's start().
   */
  start(): void {
    if (this.#state === 'idle') this.#pool().catch(() => undefined); // the first run reports it
  }

  /**
   * Check, without importing it, that piscina is installed (it is imported at the first run), so
   * that a start can fail on a missing package rather than a task's first run.
   * @throws ModuleLoadError naming piscina when it cannot be found.
   */
  checkInstalled(): void {
    try {
      import.meta.resolve('piscina');
    } catch (error) {
      throw piscinaError(error);
    }
  }

  /**
   * Refuse new runs, let running ones finish for up to `timeoutMs` (default: the pool's
   * `stopTimeoutMs`; 0: no bound), then end the threads. Idempotent: later calls share the first.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopped ??= this.#stop(options.timeoutMs ?? this.#stopTimeoutMs);
    return this.#stopped;
  }

  /** Abort every run now and end the threads. */
  destroy(): Promise<void> {
    this.#stopAbort.abort(new ClosedError('task pool'));
    this.#stopped ??= this.#stop(0);
    return this.#stopped;
  }

  async #stop(timeoutMs: number): Promise<void> {
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    if (wasRunning && this.#inFlight.size > 0) {
      const late = (await withTimeout(Promise.allSettled([...this.#inFlight]), timeoutMs)) === TIMED_OUT;
      if (late) {
        this.#logger.warn({ pending: this.#inFlight.size, timeoutMs }, 'pool tasks still running at stop; terminating their threads');
        this.#stopAbort.abort(new ClosedError('task pool'));
        await Promise.allSettled([...this.#inFlight]);
      }
    }
    const pool = await this.#creating?.catch(() => undefined);
    await pool?.destroy();
    this.#state = 'stopped';
  }

  /** The pool, created once: `running` from the first call, threads only on demand. */
  #pool(): Promise<Piscina> {
    if (this.#creating) return this.#creating;
    this.#state = 'running';
    this.#creating = importPiscina().then((Pool) => {
      const piscina = new Pool({
        minThreads: 0,
        maxThreads: this.#threads,
        idleTimeout: this.#idleTimeoutMs,
      });
      // A thread that dies outside a task must not crash the process through an unhandled 'error'.
      piscina.on('error', (error: unknown) => this.#logger.error({ err: error }, 'pool thread error'));
      this.#piscina = piscina;
      this.#logger.debug({ threads: this.#threads, maxQueue: this.#maxQueue }, 'task pool created');
      return piscina;
    });
    // A failed import is retried by the next run (and reported by it), not cached.
    this.#creating.catch(() => (this.#creating = undefined));
    return this.#creating;
  }

  #exists(url: URL): boolean {
    if (this.#found.has(url.href)) return true;
    const exists = poolModuleExists(url);
    if (exists) this.#found.add(url.href);
    return exists;
  }

  async #run<Result>(task: string, url: URL, input: unknown, options: PoolRunOptions): Promise<Result> {
    const timeoutMs = options.timeoutMs ?? this.#taskTimeoutMs;
    // One controller per run, unlinked in `finally`: AbortSignal.any/timeout would keep listeners
    // on the pool's long-lived signal and a timer per run alive until the timeout.
    const controller = new AbortController();
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined;
    const sources = [this.#stopAbort.signal, ...(options.signal ? [options.signal] : [])];
    const onAbort = (): void => controller.abort();
    for (const source of sources) {
      if (source.aborted) controller.abort();
      else source.addEventListener('abort', onAbort, { once: true });
    }
    const filename = url.href;
    try {
      const result = (await (
        await this.#pool()
      ).run(input, {
        filename,
        signal: controller.signal,
        transferList: options.transferList as TransferListItem[] | undefined,
      })) as Result;
      this.#counts.completed += 1;
      return result;
    } catch (error) {
      if (timedOut) {
        this.#counts.timedOut += 1;
        throw new PoolError(ErrorCodes.POOL_TASK_TIMEOUT, `pool task ${task} took longer than ${timeoutMs} ms`, { task, cause: error });
      }
      const aborted = sources.find((source) => source.aborted);
      if (aborted) {
        this.#counts.aborted += 1;
        throw new PoolError(ErrorCodes.POOL_ABORTED, `pool task ${task} was cancelled`, { task, cause: aborted.reason ?? error });
      }
      this.#counts.failed += 1;
      if (error instanceof Error && NO_HANDLER.test(error.message)) {
        throw new PoolError(
          ErrorCodes.MODULE_LOAD,
          `pool task ${task}: module ${poolModulePath(url)} has no default-exported function (${describeError(error)})`,
          { task, cause: error },
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      for (const source of sources) source.removeEventListener('abort', onAbort);
    }
  }
}
