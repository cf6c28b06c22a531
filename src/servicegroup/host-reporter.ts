/**
 * One reporter per host/binary (the launcher; a Service run on its own reports for itself):
 * workers tell it they are alive every report_interval, and it sends one report for the host
 * every report_interval while at least one worker is alive, their count and pids folded in.
 * So the group's members are hosts, not hosts x workers. A worker's first alive reports at once
 * (no interval's wait to appear); a failing report is logged once, like nova's, and retried at
 * the next interval.
 */
import type { Logger } from '../logging/logger.js';
import type { ServiceGroupDriver } from './driver.js';
import type { DisableRequest, MemberReport, ServiceState } from './report.js';

/** What a worker says about itself. */
export interface WorkerRecord {
  readonly host: string;
  readonly binary: string;
  readonly topic: string;
  /** The RPC API version (the manager's target version). */
  readonly version: string;
  /** The manager's integer service version (nova's `version` column). */
  readonly serviceVersion: number;
}

export interface HostReporterOptions {
  driver: ServiceGroupDriver;
  logger: Logger;
  /** `report_interval` in ms (0: never report on a timer). */
  reportIntervalMs: number;
  /** `service_down_time` in ms. */
  serviceDownTimeMs: number;
  /** The reporter's pid in reports (the launcher's). */
  pid?: number;
}

/**
 * nova's servicegroup API: a down time not above the interval would flap; use 2.5 x interval,
 * truncated to whole seconds as nova's `int()` does. Both in ms.
 */
export function effectiveDownTime(reportIntervalMs: number, serviceDownTimeMs: number): number {
  if (reportIntervalMs > 0 && serviceDownTimeMs <= reportIntervalMs) return Math.trunc((reportIntervalMs * 2.5) / 1000) * 1000;
  return serviceDownTimeMs;
}

export class HostReporter {
  readonly #options: HostReporterOptions;
  readonly #logger: Logger;
  readonly #alive = new Map<number, { record: WorkerRecord; at: number }>();
  readonly #startedAt = new Date().toISOString();
  readonly #downAfterMs: number;
  #timer: NodeJS.Timeout | undefined;
  #reported = false;
  #failing = false;
  #last: MemberReport | undefined;
  #chain: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  constructor(options: HostReporterOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'servicegroup' });
    this.#downAfterMs = effectiveDownTime(options.reportIntervalMs, options.serviceDownTimeMs);
  }

  get driver(): ServiceGroupDriver {
    return this.#options.driver;
  }

  /** Report every report_interval from now on (0: never). */
  start(): void {
    const intervalMs = this.#options.reportIntervalMs;
    if (intervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => void this.#report(), intervalMs);
    this.#timer.unref();
  }

  /**
   * A worker is alive. Its first word reports at once; resolves when that report was tried, or
   * at once when the host is in the group already (a replacement, a scale-up): the new pid goes
   * out with that report, and the worker need not wait for the database or the broker to start.
   */
  workerAlive(pid: number, record: WorkerRecord): Promise<void> {
    const first = !this.#alive.has(pid);
    this.#alive.set(pid, { record, at: Date.now() });
    if (!first) return Promise.resolve();
    const report = this.#report();
    return this.#reported ? Promise.resolve() : report;
  }

  /** A worker stopped or exited: it no longer counts. */
  workerLeft(pid: number): void {
    this.#alive.delete(pid);
  }

  services(): Promise<ServiceState[]> {
    return this.#options.driver.services();
  }

  setDisabled(request: DisableRequest): Promise<void> {
    return this.#options.driver.setDisabled(request);
  }

  /** Stop reporting; `leave`: the launcher shuts down, tell the group (messaging: at once). */
  async stop(options: { readonly leave?: boolean } = {}): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    if (options.leave && this.#last) {
      await this.#options.driver
        .leave(this.#last)
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'could not announce leaving the service group'));
    }
  }

  /**
   * Reports run one after another, and at most one waits behind the one in flight: a slow
   * database or broker delays reports, it never piles them up.
   */
  #report(): Promise<void> {
    this.#queued ??= this.#chain.then(() => {
      this.#queued = undefined;
      return this.#reportNow();
    });
    this.#chain = this.#queued;
    return this.#queued;
  }

  async #reportNow(): Promise<void> {
    const now = Date.now();
    const live = [...this.#alive].filter(([, worker]) => now - worker.at <= this.#downAfterMs);
    // No live worker: no report, so the host ages to down as nova's dead service does.
    if (live.length === 0) return;
    const record = live[0]![1].record;
    const report: MemberReport = {
      ...record,
      pid: this.#options.pid ?? process.pid,
      workers: live.length,
      pids: live.map(([pid]) => pid).sort((a, b) => a - b),
      startedAt: this.#startedAt,
    };
    try {
      await this.#options.driver.report(report, !this.#reported);
      this.#reported = true;
      this.#last = report;
      if (this.#failing) this.#logger.info('Recovered from being unable to report status.');
      this.#failing = false;
    } catch (error) {
      // nova logs the first failure loudly and keeps trying every interval.
      if (!this.#failing)
        this.#logger.warn(
          { err: { message: (error as Error).message, code: (error as { code?: string }).code } },
          'unable to report service status; will keep trying',
        );
      this.#failing = true;
    }
  }
}
