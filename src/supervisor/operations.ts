/**
 * What changes the set of workers while the launcher runs: a reload (SIGHUP, ctl.js reload),
 * scaling (ctl.js scale N, or `workers` changed in the config file), and the replacement of a
 * worker over max_memory_restart. They run one at a time, in order; SIGHUPs that arrive while
 * a reload waits its turn join that reload.
 *
 * `scale N` sticks (issue 26, item 5): a reload keeps N workers while the configured `workers`
 * stays what it was; once that value itself changes, the configuration wins (and the log says so).
 */
import { ms } from '../config/durations.js';
import type { Config } from '../config/options.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { OperationResult } from '../control/control-protocol.js';
import { rollingRestart, type ReloadHost } from './reload.js';
import { scaleTo } from './scale.js';
import type { SupervisorState } from './supervisor-options.js';
import type { WorkerHandle } from './worker-handle.js';

/** The supervisor's primitives the operations are made of. */
export interface OperationsHost {
  readonly logger: Logger;
  config(): Config;
  setConfig(config: Config): void;
  /** Re-read the configuration files (throws when invalid); undefined: nothing to re-read. */
  readonly reloadConfig: (() => Config) | undefined;
  state(): SupervisorState;
  setState(state: SupervisorState): void;
  /** Each slot's worker. */
  current(): Map<number, WorkerHandle>;
  spawn(slot: number, restarts: number): WorkerHandle;
  /** Spawn a worker for a new slot and make it that slot's worker. */
  startSlot(slot: number): WorkerHandle;
  waitReady(handle: WorkerHandle): Promise<boolean>;
  /** Make `fresh` the slot's worker and drain `old`. */
  swap(slot: number, fresh: WorkerHandle, old: WorkerHandle): void;
  /** Take a slot out of service and drain its worker. */
  retireSlot(slot: number): WorkerHandle | undefined;
  boundedExit(handle: WorkerHandle, timeoutMs: number): Promise<void>;
  /** Kill the spare: it loaded the code from before the reload. */
  retireSpare(): void;
}

/** Options a reload cannot change: the listening socket is bound once. */
const FIXED_OPTIONS = ['host', 'port', 'backlog'] as const;

export class Operations {
  readonly #host: OperationsHost;
  #queue: Promise<unknown> = Promise.resolve();
  #queuedReload: Promise<OperationResult> | undefined;
  /** `workers` as the configuration says; host.config().workers is the count in force. */
  #configuredWorkers: number;
  /** The count `scale N` set, while it differs from the configured one. */
  #scaled: number | undefined;

  constructor(host: OperationsHost) {
    this.#host = host;
    this.#configuredWorkers = host.config().workers;
  }

  /** `workers` as the configuration says (status shows it beside the count in force). */
  configuredWorkers(): number {
    return this.#configuredWorkers;
  }

  /** Running, or busy with an operation that returns to running. */
  operating(): boolean {
    const state = this.#host.state();
    return state === 'running' || state === 'reloading' || state === 'scaling';
  }

  /** Rolling restart with the configuration re-read; resolves when it is done. */
  reload(): Promise<OperationResult> {
    if (!this.operating()) {
      this.#host.logger.warn({ state: this.#host.state() }, 'reload ignored: launcher is not running');
      return Promise.resolve(this.#refused());
    }
    this.#queuedReload ??= this.#enqueue(() => {
      this.#queuedReload = undefined;
      return this.#reload();
    });
    return this.#queuedReload;
  }

  /** Resolves once new workers serve and removed ones have drained. */
  scale(workers: number): Promise<OperationResult> {
    if (!this.operating()) return Promise.resolve(this.#refused());
    return this.#enqueue(async () => {
      this.#scaled = workers === this.#configuredWorkers ? undefined : workers;
      // The new count first, so that the state's observers (systemd STATUS=) see it.
      this.#host.setConfig(Object.freeze({ ...this.#host.config(), workers }));
      this.#host.setState('scaling');
      const result = await this.#scaleTo(workers);
      if (this.#host.state() === 'scaling') this.#host.setState('running');
      return result;
    });
  }

  /** A worker kept its RSS above max_memory_restart: replace it like a reload does, new one first. */
  replaceOverMemory(pid: number, rssBytes: number): Promise<OperationResult> {
    const handle = [...this.#host.current().values()].find((candidate) => candidate.pid === pid);
    if (!handle) return Promise.resolve({ ok: false, reason: 'the worker is no longer serving' });
    const fields = {
      slot: handle.slot,
      workerPid: pid,
      rssMiB: Math.round(rssBytes / 1048576),
      limitMiB: this.#host.config().max_memory_restart,
    };
    this.#host.logger.warn(
      fields,
      `worker RSS ${fields.rssMiB} MiB stayed above max_memory_restart (${fields.limitMiB} MiB); replacing it`,
    );
    return this.replace(handle);
  }

  /** Replace `handle` new-one-first, counted in its slot's restarts (never as a failed start). */
  replace(handle: WorkerHandle): Promise<OperationResult> {
    return this.#enqueue(async () => {
      if (this.#host.current().get(handle.slot) !== handle || handle.state !== 'ready')
        return { ok: false, reason: 'the worker is no longer serving' };
      const outcome = await rollingRestart(
        this.#reloadHost(
          () => [[handle.slot, handle]],
          1,
          () => this.operating(),
        ),
        this.#drainMs(),
      );
      return outcome === 'complete' ? { ok: true } : { ok: false, reason: `replacement ${outcome}` };
    });
  }

  #refused(): OperationResult {
    return { ok: false, reason: `the launcher is ${this.#host.state()}` };
  }

  #drainMs(): number {
    return ms(this.#host.config(), 'graceful_shutdown_timeout');
  }

  /** Run `operation` after the ones queued before it, unless a stop begins first. */
  #enqueue(operation: () => Promise<OperationResult>): Promise<OperationResult> {
    const run = this.#queue.then(() => (this.operating() ? operation() : this.#refused()));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reload(): Promise<OperationResult> {
    const host = this.#host;
    host.setState('reloading');
    if (host.reloadConfig) {
      try {
        host.setConfig(this.#adopt(host.reloadConfig()));
      } catch (error) {
        host.logger.error({ err: error }, 'reload aborted: the new configuration is invalid; workers keep running');
        host.setState('running');
        return { ok: false, reason: `reload aborted: the new configuration is invalid: ${describeError(error)}` };
      }
    }
    // Every worker after a reload, the spare included, must load the code deployed before the
    // signal: the spare loaded earlier is retired, and a new one is forked after it.
    host.retireSpare();
    host.logger.info({ workers: host.current().size }, 'rolling restart started');
    // `workers` changed in the config file: shed slots before the restart, add them after it.
    const target = host.config().workers;
    if (target < host.current().size) await this.#scaleTo(target);
    const stillReloading = (): boolean => host.state() === 'reloading';
    const outcome = await rollingRestart(
      this.#reloadHost(() => [...host.current()], 0, stillReloading),
      this.#drainMs(),
    );
    const grown =
      outcome === 'complete' && target > host.current().size && stillReloading() ? await this.#scaleTo(target) : { ok: true as const };
    if (outcome === 'interrupted' || !stillReloading()) return { ok: false, reason: 'reload interrupted by a stop' };
    host.setState('running');
    const pids = [...host.current().values()].map((handle) => handle.pid);
    if (outcome === 'complete' && grown.ok) {
      host.logger.info({ pids }, 'rolling restart complete');
      return { ok: true };
    }
    host.logger.warn({ pids }, 'rolling restart aborted');
    return {
      ok: false,
      reason: grown.ok ? 'reload aborted: a replacement worker did not become ready; the old one keeps serving' : grown.reason,
    };
  }

  /** The re-read configuration, with the options fixed for the launcher's life kept. */
  #adopt(next: Config): Config {
    const config = this.#host.config();
    const changed = FIXED_OPTIONS.filter((name) => next[name] !== config[name]);
    if (changed.length > 0) this.#host.logger.warn({ options: changed }, 'these options need a full restart; keeping the old values');
    const workers = this.#workersAfterReload(next.workers);
    return Object.freeze({ ...next, ...Object.fromEntries(FIXED_OPTIONS.map((name) => [name, config[name]])), workers }) as Config;
  }

  /** The count in force after a reload whose configuration says `configured`. */
  #workersAfterReload(configured: number): number {
    const before = this.#configuredWorkers;
    const scaled = this.#scaled;
    this.#configuredWorkers = configured;
    if (scaled === undefined) return configured;
    const logger = this.#host.logger;
    if (configured === before) {
      logger.info(
        { workers: scaled, configuredWorkers: configured },
        'keeping the worker count set by ctl.js scale: the configured workers did not change',
      );
      return scaled;
    }
    this.#scaled = undefined;
    logger.info(
      { from: before, to: configured, scaled },
      `workers changed in the configuration (${before} -> ${configured}): it replaces the ${scaled} workers set by ctl.js scale`,
    );
    return configured;
  }

  async #scaleTo(workers: number): Promise<OperationResult> {
    const host = this.#host;
    if (workers === host.current().size) return { ok: true };
    host.setConfig(Object.freeze({ ...host.config(), workers }));
    host.logger.info({ from: host.current().size, to: workers }, `scaling to ${workers} workers`);
    return scaleTo({ ...host, slots: () => [...host.current().keys()] }, workers, this.#drainMs());
  }

  /** What reload.ts needs; `restartsAdded` counts the replacement in the slot's restarts. */
  #reloadHost(slots: () => Array<[number, WorkerHandle]>, restartsAdded: number, still: () => boolean): ReloadHost {
    const host = this.#host;
    return {
      logger: host.logger,
      slots,
      spawn: (slot, restarts) => host.spawn(slot, restarts + restartsAdded),
      waitReady: (handle) => host.waitReady(handle),
      swap: (slot, fresh, old) => host.swap(slot, fresh, old),
      boundedExit: (handle, timeoutMs) => host.boundedExit(handle, timeoutMs),
      stillReloading: still,
    };
  }
}
