/**
 * The primary (oslo's ProcessLauncher, event-driven): forks the workers, hands them the shared
 * socket's connections, replaces the ones that die, stops them all gracefully, and replaces
 * them one at a time on reload. The exit status comes from `done`.
 */
import { ms } from '../config/durations.js';
import cluster from 'node:cluster';
import type { Config } from '../config/options.js';
import type { Logger } from '../logging/logger.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { WorkerInfo } from '../ipc/messages.js';
import type { LauncherStatus, OperationResult } from '../control/control-protocol.js';
import type { ListenSocket } from './listen-socket.js';
import { drainAll } from './drain-all.js';
import { LauncherRecordKeeper } from './launcher-record.js';
import { LivenessCheck, replaceHungWorker } from './liveness.js';
import { memoryLimitFor, type MemoryLimit } from './memory-limit.js';
import { Operations } from './operations.js';
import { ResourceSampler } from './resource-sampler.js';
import { RestartPolicy } from './restart-policy.js';
import { SpareKeeper, type Spare } from './spare.js';
import { watchStart } from './start-watch.js';
import { launcherStatus } from './status.js';
import {
  WORKER_ENTRY,
  type SupervisorOptions,
  type SupervisorPlugin,
  type SupervisorState,
  type SupervisorStopOptions,
  type WorkerDefaults,
} from './supervisor-options.js';
import { forkWorker } from './worker-fork.js';
import type { WorkerHandle } from './worker-handle.js';
import { workerInit } from './worker-init.js';

/** How long after a worker becomes ready the next spare is forked. */
const SPARE_FORK_DELAY_MS = 50;

export {
  WORKER_ENTRY,
  type SupervisorOptions,
  type SupervisorPlugin,
  type SupervisorState,
  type SupervisorStopOptions,
  type WorkerDefaults,
} from './supervisor-options.js';

export class Supervisor implements Lifecycle<SupervisorState> {
  #config: Config;
  #logger: Logger;
  #socket: ListenSocket;
  #port: number;
  #plugins: SupervisorPlugin[];
  #reloadConfig: (() => Config) | undefined;
  readonly #defaults: WorkerDefaults;
  #policy: RestartPolicy;
  #current = new Map<number, WorkerHandle>();
  #live = new Set<WorkerHandle>();
  #readyWaiters = new Map<WorkerHandle, (ready: boolean) => void>();
  #restartTimers = new Set<NodeJS.Timeout>();
  #state: SupervisorState = 'starting';
  #announced = false;
  /** Reloads, scaling and memory replacements run one at a time, in order. */
  readonly #operations: Operations;
  readonly #startedAt = performance.now();
  readonly #sampler: ResourceSampler;
  /** worker_heartbeat_timeout: a serving worker that goes silent is replaced. */
  readonly #liveness: LivenessCheck;
  readonly #memoryLimit: MemoryLimit | undefined;
  readonly #spares: SpareKeeper;
  /** This launcher's record in the private runtime folder (how ctl and rpc find it). */
  readonly #record: LauncherRecordKeeper;
  /** Set when the stop was forced or the launcher gave up: the exit code is 1 regardless. */
  #forcedCode: number | undefined;
  /** Why the launcher could not start (a worker's permanent start failure), when exiting 2. */
  #startFailure: string | undefined;
  #finish!: (code: number) => void;
  /**
   * Resolves with the launcher's exit code once it has stopped: 0 clean, 1 forced, timed out or
   * gave up, 2 never started (a start no restart fixes: `startFailure` says why).
   */
  readonly done = new Promise<number>((resolve) => (this.#finish = resolve));
  #started = false;
  #announce!: () => void;
  /** Resolves once every worker serves for the first time. */
  readonly ready = new Promise<void>((resolve) => (this.#announce = resolve));
  readonly #notifyParent: boolean;
  readonly #handBackOnStop: boolean;

  constructor(options: SupervisorOptions) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#socket = options.socket;
    this.#port = options.port;
    this.#plugins = options.plugins ?? [];
    this.#reloadConfig = options.reloadConfig;
    this.#defaults = options.defaults ?? {};
    this.#notifyParent = options.notifyParent ?? false;
    this.#record = new LauncherRecordKeeper(this.#logger);
    this.#handBackOnStop = options.handBackOnStop ?? false;
    this.#policy = new RestartPolicy({
      initialDelayMs: ms(this.#config, 'restart_backoff_initial'),
      maxDelayMs: ms(this.#config, 'restart_backoff_max'),
      maxFailures: this.#config.restart_max_failures,
      resetAfterMs: ms(this.#config, 'restart_reset_after'),
    });
    this.#spares = new SpareKeeper({
      enabled: this.#config.prefork_spare,
      logger: this.#logger,
      policy: this.#policy,
      fork: () => this.#fork(),
      schedule: (fn, delayMs) => this.#schedule(fn, delayMs),
    });
    this.#memoryLimit = memoryLimitFor(this.#config.max_memory_restart, {
      replace: (pid, rss) => this.#operations.replaceOverMemory(pid, rss),
      refuse: (why) => this.#giveUp(2, why),
    });
    this.#sampler = new ResourceSampler({
      intervalMs: 1000,
      window: 5,
      pids: () => [...this.#live].map((handle) => handle.pid),
      onRound: (samples) => this.#memoryLimit?.check(new Map([...samples].filter(([pid]) => this.#serving(pid)))),
    });
    this.#liveness = new LivenessCheck({
      timeoutMs: () => ms(this.#config, 'worker_heartbeat_timeout'),
      handles: () => this.#current.values(),
      onSilent: (handle, silentMs) => replaceHungWorker(handle, silentMs, this.#config, this.#logger, this.#operations),
    });
    this.#operations = this.#createOperations();
    // Workers run this same entry point; they learn their config over IPC, not from argv.
    cluster.setupPrimary({ exec: options.workerEntry ?? WORKER_ENTRY, args: [] });
  }

  /** Reloads, scaling and memory replacements, one at a time, acting on this supervisor's slots. */
  #createOperations(): Operations {
    return new Operations({
      logger: this.#logger,
      config: () => this.#config,
      setConfig: (config) => (this.#config = config),
      reloadConfig: this.#reloadConfig,
      state: () => this.#state,
      setState: (state) => this.#setState(state),
      current: () => this.#current,
      spawn: (slot, restarts) => this.#spawn(slot, restarts),
      startSlot: (slot) => this.#startSlot(slot, 0),
      waitReady: (handle) => this.#waitReady(handle),
      swap: (slot, fresh, old) => {
        this.#current.set(slot, fresh);
        old.requestStop('reload', ms(this.#config, 'graceful_shutdown_timeout'));
        this.#updateSinks();
      },
      retireSlot: (slot) => {
        const handle = this.#current.get(slot);
        this.#current.delete(slot);
        this.#policy.reset(slot);
        handle?.requestStop('scale', ms(this.#config, 'graceful_shutdown_timeout'));
        this.#updateSinks();
        return handle;
      },
      boundedExit: (handle, timeoutMs) => this.#boundedExit(handle, timeoutMs),
      retireSpare: () => {
        const retired = this.#spares.discard();
        if (retired) this.#logger.info({ workerPid: retired.pid }, 'spare worker retired: it loaded the code from before the reload');
      },
    });
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** One line naming what could not start and why (a module, a broker refusal), once `done` is 2 for it. */
  get startFailure(): string | undefined {
    return this.#startFailure;
  }

  /** Fork every worker (await `ready` for them to serve; `done` for the exit code). Runs once. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    // The control socket listens by now (launch.ts starts it first): the record may point to it.
    this.#record.publish(this.#config, this.#port);
    this.#logger.info({ workers: this.#config.workers }, `starting ${this.#config.workers} workers`);
    for (let slot = 1; slot <= this.#config.workers; slot++) this.#startSlot(slot, 0);
    this.#sampler.start();
    this.#liveness.start();
  }

  /** Another launcher took over (a handover): remove this one's record now, before the drain. */
  forgetRecord(): void {
    this.#record.remove();
  }

  /** `ctl.js status`: the launcher and every worker process, the spare included. */
  status(): Promise<LauncherStatus> {
    return launcherStatus({
      config: this.#config,
      configuredWorkers: this.#operations.configuredWorkers(),
      binary: this.#record.binary,
      state: this.#state,
      port: this.#port,
      uptimeMs: performance.now() - this.#startedAt,
      handles: [...this.#live],
      sampler: this.#sampler,
    });
  }

  /** What /v1/workers shows (the spare is not a worker yet). */
  workers(): WorkerInfo[] {
    return [...this.#live]
      .filter((handle) => handle.slot > 0)
      .map((handle) => handle.info())
      .sort((a, b) => a.slot - b.slot);
  }

  /**
   * Graceful stop of every worker, bounded by `timeoutMs` (default graceful_shutdown_timeout;
   * 0: no bound), after which the rest are killed. Resolves with the exit code (`done`).
   * Idempotent: later calls join the first; `destroy()` is the hard stop.
   */
  stop(options: SupervisorStopOptions = {}): Promise<number> {
    if (this.#state !== 'stopping' && this.#state !== 'stopped') {
      this.#stopGracefully(
        options.reason ?? 'stop()',
        options.timeoutMs ?? ms(this.#config, 'graceful_shutdown_timeout'),
        options.handBack ?? this.#handBackOnStop,
      );
    }
    return this.done;
  }

  /** Kill every worker now (a second SIGTERM); resolves with the exit code, 1. */
  destroy(reason = 'destroy()'): Promise<number> {
    if (this.#state !== 'stopped') {
      this.#logger.warn(
        { reason },
        this.#state === 'stopping' ? 'second stop request: killing the remaining workers now' : 'hard stop: killing every worker now',
      );
      this.#setState('stopping');
      this.#sampler.stop();
      this.#liveness.stop();
      this.#forceStop();
    }
    return this.done;
  }

  #stopGracefully(reason: string, timeoutMs: number, handBack: boolean): void {
    this.#setState('stopping');
    this.#sampler.stop();
    this.#liveness.stop();
    for (const timer of this.#restartTimers) clearTimeout(timer);
    // Armed before anything else runs, so a stuck step cannot keep the launcher alive.
    const timer = timeoutMs > 0 ? setTimeout(() => this.#onStopTimeout(timeoutMs), timeoutMs) : undefined;
    this.#logger.info({ reason, workers: this.#live.size, timeoutMs, handBack }, 'stopping all workers gracefully');
    void this.#socket.stop();
    void drainAll(this.#live, this.#spares.discard(), timeoutMs, handBack ? 'handover' : 'shutdown').then(async (clean) => {
      if (timer) clearTimeout(timer);
      if (this.#state === 'stopped') return;
      await this.#stopPlugins();
      const code = this.#forcedCode ?? (clean ? 0 : 1);
      this.#logger.info({ clean, code }, `all workers stopped; exiting ${code}`);
      this.#end(code);
    });
  }

  /** Rolling restart with the configuration re-read (SIGHUP, ctl.js reload); resolves when done. */
  reload(): Promise<OperationResult> {
    return this.#operations.reload();
  }

  /** `ctl.js scale N`: resolves once new workers serve and removed ones have drained. */
  scale(workers: number): Promise<OperationResult> {
    return this.#operations.scale(workers);
  }

  #startSlot(slot: number, restarts: number): WorkerHandle {
    const handle = this.#spawn(slot, restarts);
    this.#current.set(slot, handle);
    void this.#waitReady(handle);
    return handle;
  }

  /** Start `slot` in the spare, if one is loaded, or in a new process. */
  #spawn(slot: number, restarts: number): WorkerHandle {
    const spare = this.#spares.take();
    const { handle, activate } = spare ?? this.#fork();
    handle.assign(slot, restarts);
    activate(workerInit(this.#config, this.#defaults, slot));
    this.#logger.info(
      { slot, workerPid: handle.pid, restarts, spare: spare !== undefined },
      spare ? 'spare worker assigned' : 'worker forked',
    );
    watchStart(handle, {
      timeoutMs: ms(this.#config, 'worker_start_timeout'),
      logger: this.#logger,
      onPermanentFailure: (error) => this.#onPermanentFailure(slot, error),
    });
    return handle;
  }

  /** Fork a worker process and follow it (see worker-fork.ts for what it asks over IPC). */
  #fork(): Spare {
    const spare = forkWorker({
      logger: this.#logger,
      defaults: this.#defaults,
      config: () => this.#config,
      redispatch: (socket) => this.#socket.redispatch(socket),
      flushHeld: () => this.#socket.flushHeld(),
      takeBack: (socket) => this.#socket.takeBack(socket),
      onReady: (handle, binary, rssBytes) => {
        this.#record.learnBinary(binary);
        if (rssBytes !== undefined) this.#memoryLimit?.checkFresh(handle.pid, rssBytes);
        this.#onReady(handle);
      },
      onStopping: () => this.#updateSinks(),
      workers: () => this.workers(),
    });
    const { handle } = spare;
    this.#live.add(handle);
    for (const plugin of this.#plugins) plugin.onWorker?.(handle);
    void handle.exited.then((exit) => this.#onExit(handle, exit.code, exit.signal));
    return spare;
  }

  /** Keep one loaded spare while running. */
  #ensureSpare(): void {
    if (this.#operations.operating()) this.#spares.ensure();
  }

  /** Run `fn` after `delayMs` unless a stop begins first. */
  #schedule(fn: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      if (this.#state !== 'stopping' && this.#state !== 'stopped') fn();
    }, delayMs);
    this.#restartTimers.add(timer);
  }

  #waitReady(handle: WorkerHandle): Promise<boolean> {
    if (handle.state === 'ready') return Promise.resolve(true);
    if (handle.state === 'dead') return Promise.resolve(false);
    return new Promise((resolve) => this.#readyWaiters.set(handle, resolve));
  }

  #onReady(handle: WorkerHandle): void {
    handle.markReady();
    this.#readyWaiters.get(handle)?.(true);
    this.#readyWaiters.delete(handle);
    this.#logger.info({ slot: handle.slot, workerPid: handle.pid }, 'worker ready');
    this.#updateSinks();
    // Forked only after the replacement serves, and a moment later still: the fork itself costs
    // the launcher a millisecond or two, and the new worker's first connections (those queued
    // while the slot was empty) come first; then the spare loads while nothing else is pressing.
    if (this.#announced) this.#schedule(() => this.#ensureSpare(), SPARE_FORK_DELAY_MS);
    if (!this.#announced && this.#state === 'starting' && [...this.#current.values()].every((h) => h.state === 'ready')) {
      this.#announced = true;
      this.#setState('running');
      this.#logger.info(
        { port: this.#port, workers: this.#current.size, pids: [...this.#current.values()].map((h) => h.pid) },
        'launcher ready',
      );
      // pm2 `wait_ready` (and any parent holding an IPC channel) learns it here.
      if (this.#notifyParent && process.send && !cluster.isWorker) process.send('ready');
      this.#announce();
      this.#ensureSpare();
    }
  }

  #onExit(handle: WorkerHandle, code: number | null, signal: string | null): void {
    this.#live.delete(handle);
    this.#memoryLimit?.forget(handle.pid);
    if (this.#spares.owns(handle)) {
      for (const plugin of this.#plugins) plugin.onWorkerExit?.(handle);
      this.#spares.onExit(handle, code, signal);
      return;
    }
    this.#readyWaiters.get(handle)?.(false);
    this.#readyWaiters.delete(handle);
    this.#updateSinks();
    this.#replaceIfDied(handle, code, signal);
    // A microtask later: the spare's slot (its `hello` answer, queued by the activation above)
    // goes out first; the plugins' bookkeeping (the router's link, periodic task owners, the
    // service group) is not on the replacement's path.
    queueMicrotask(() => {
      for (const plugin of this.#plugins) plugin.onWorkerExit?.(handle);
    });
  }

  /** Log the exit; restart the slot of a worker that died unexpectedly (or give up on it). */
  #replaceIfDied(handle: WorkerHandle, code: number | null, signal: string | null): void {
    const expected = handle.stopRequested || this.#state === 'stopping' || this.#state === 'stopped';
    const fields = { slot: handle.slot, workerPid: handle.pid, code, signal };
    if (expected) {
      // A spare never took a slot: killing it (on a stop or a reload) loses nothing.
      this.#logger.info(fields, handle.slot === 0 ? 'unused spare worker exited' : 'worker exited');
      return;
    }
    this.#logger.warn(fields, 'worker died unexpectedly');
    if (this.#current.get(handle.slot) !== handle) return; // a reload's replacement: the reload handles it
    const decision = this.#policy.onUnexpectedExit(handle.slot, handle.upMs);
    if (decision.action === 'give-up') {
      this.#logger.error(
        { slot: handle.slot, failures: decision.failures },
        `worker slot ${handle.slot} failed ${decision.failures} consecutive starts; giving up and stopping the launcher`,
      );
      this.#giveUp(1);
      return;
    }
    this.#logger.info({ slot: handle.slot, delayMs: decision.delayMs, failures: decision.failures }, 'restarting worker');
    const restart = (): void => void this.#startSlot(handle.slot, handle.restarts + 1);
    // No backoff due: the spare takes the slot in this very turn, not a timer's turn later.
    if (decision.delayMs === 0 && this.#operations.operating()) restart();
    else this.#schedule(restart, decision.delayMs);
  }

  /** True when `pid` is a slot's worker and serves. */
  #serving(pid: number): boolean {
    return [...this.#current.values()].some((handle) => handle.pid === pid && handle.state === 'ready');
  }

  #setState(state: SupervisorState): void {
    this.#state = state;
    for (const plugin of this.#plugins) plugin.onState?.(state, this.#config.workers);
  }

  #updateSinks(): void {
    const ready = [...this.#live].filter((handle) => handle.state === 'ready').sort((a, b) => a.slot - b.slot);
    this.#socket.setSinks(ready.map((handle) => handle.sendSocket));
  }

  #boundedExit(handle: WorkerHandle, timeoutMs: number): Promise<void> {
    return handle.exitWithin(timeoutMs, () =>
      this.#logger.warn({ slot: handle.slot, workerPid: handle.pid, timeoutMs }, 'worker did not drain in time; killing it'),
    );
  }

  /**
   * A start that no restart fixes (a module that cannot be loaded, a broker refusal). Before the
   * launcher has served, it stops at once with exit 2 instead of a restart loop. Once it has
   * served, a reload's replacement fails (the reload aborts, the old worker keeps serving) and a
   * crashed slot's replacement follows the restart policy: the running service is not stopped.
   */
  #onPermanentFailure(slot: number, error: string): void {
    if (this.#state !== 'starting') {
      this.#logger.error(
        { slot, error },
        'a replacement worker cannot start and a restart will not fix it; the workers that serve keep serving',
      );
      return;
    }
    this.#startFailure ??= error;
    this.#giveUp(2, `worker slot ${slot} cannot start and a restart will not fix it: ${error}`);
  }

  /** A slot cannot start: stop everything and exit `code` (1: crash loop; 2: it never could). */
  #giveUp(code: 1 | 2, why?: string): void {
    if (this.#forcedCode !== undefined) return;
    if (why) this.#logger.fatal({ exitCode: code }, `${why}; stopping the launcher`);
    // stop() ends with 0 when workers exit cleanly; giving up is a failure whatever they do.
    this.#forcedCode = code;
    void this.stop({ reason: code === 2 ? 'start failed' : 'crash loop' });
  }

  #onStopTimeout(timeoutMs: number): void {
    this.#logger.error({ timeoutMs, remaining: this.#live.size }, 'graceful_shutdown_timeout exceeded; killing the remaining workers');
    this.#forceStop();
  }

  #forceStop(): void {
    for (const handle of this.#live) handle.kill();
    this.#forcedCode = 1;
    void Promise.all([...this.#live].map((handle) => handle.exited)).then(async () => {
      await this.#stopPlugins();
      this.#end(1);
    });
  }

  async #stopPlugins(): Promise<void> {
    await Promise.allSettled(this.#plugins.map((plugin) => plugin.stop?.()));
  }

  #end(code: number): void {
    if (this.#state === 'stopped') return;
    this.#record.remove();
    this.#setState('stopped');
    this.#finish(this.#forcedCode ?? code);
  }
}
