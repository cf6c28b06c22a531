/**
 * Service-group heartbeats over the RPC transport (nova's servicegroup API with a messaging
 * driver instead of the DB): every worker fanout-casts its report to the `servicegroup` topic
 * every report_interval, and keeps the table (membership.ts) from everyone's reports. A new
 * member's first report asks the others to answer at once, so it does not wait a full interval
 * to see them; a stopping worker casts `leave`.
 */
import type { Logger } from '../logging/logger.js';
import { RpcClient } from '../rpc/client.js';
import { RpcServer } from '../rpc/server.js';
import type { Transport } from '../rpc/transports/transport.js';
import { Membership, type HeartbeatReport, type ServiceState } from './membership.js';

export const SERVICEGROUP_TOPIC = 'servicegroup';

export interface ServiceGroupOptions {
  transport: Transport;
  logger: Logger;
  reportIntervalSeconds: number;
  serviceDownTimeSeconds: number;
  controlExchange: string;
}

export class ServiceGroup {
  readonly #options: ServiceGroupOptions;
  readonly #logger: Logger;
  readonly #membership: Membership;
  readonly #client: RpcClient;
  #server: RpcServer | undefined;
  #report: HeartbeatReport | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(options: ServiceGroupOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'servicegroup' });
    let downTime = options.serviceDownTimeSeconds;
    if (options.reportIntervalSeconds > 0 && downTime <= options.reportIntervalSeconds) {
      // nova's servicegroup API: a down time not above the interval would flap.
      downTime = Math.trunc(options.reportIntervalSeconds * 2.5);
      this.#logger.warn({ serviceDownTime: downTime }, 'service_down_time must exceed report_interval; using 2.5 x report_interval');
    }
    this.#membership = new Membership({ serviceDownTimeSeconds: downTime });
    this.#client = new RpcClient(options.transport, { topic: SERVICEGROUP_TOPIC, fanout: true }, { controlExchange: options.controlExchange, logger: options.logger });
  }

  /** Listen to everyone's reports and send this worker's first one. */
  async register(report: HeartbeatReport): Promise<void> {
    this.#report = report;
    const endpoint = {
      report_state: (_ctx: unknown, args: { report: HeartbeatReport; hello?: boolean }) => this.#onReport(args.report, args.hello === true),
      leave: (_ctx: unknown, args: { host: string; binary: string; pid: number; launcherPid?: number }) =>
        this.#membership.leave(args.host, args.binary, args.pid, args.launcherPid),
      set_disabled: (_ctx: unknown, args: { host: string; binary: string; disabled: boolean; reason?: string }) => this.#onSetDisabled(args),
    };
    this.#server = new RpcServer(
      this.#options.transport,
      { topic: SERVICEGROUP_TOPIC, server: `${report.host}.${report.binary}.${report.pid}` },
      [endpoint],
      { controlExchange: this.#options.controlExchange, logger: this.#options.logger },
    );
    await this.#server.start();
    this.#membership.report(report);
    await this.#send(true);
  }

  /** Start periodic heartbeats (nova's `join`). report_interval 0 means none. */
  join(): void {
    const intervalMs = this.#options.reportIntervalSeconds * 1000;
    if (intervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => void this.#send(false), intervalMs);
    this.#timer.unref();
  }

  /** Every known service with its up/down state. */
  services(): ServiceState[] {
    return this.#membership.list();
  }

  isUp(host: string, binary: string): boolean {
    return this.#membership.isUp(host, binary);
  }

  /** Disable or enable a service everywhere (admin). */
  async setDisabled(host: string, binary: string, disabled: boolean, reason: string | null): Promise<void> {
    await this.#client.cast({}, 'set_disabled', { host, binary, disabled, reason });
  }

  /**
   * Stop heartbeats, tell the others we left, stop listening. `launcherStopping`: the whole
   * launcher stops, so every worker of it leaves (a killed sibling too).
   */
  async leave(launcherStopping = false): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const report = this.#report;
    if (report) {
      await this.#client
        .cast({}, 'leave', { host: report.host, binary: report.binary, pid: report.pid, launcherPid: launcherStopping ? report.launcherPid : undefined })
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'could not announce leaving the service group'));
    }
    await this.#server?.stop();
    await this.#server?.wait(2000).catch(() => undefined);
  }

  #onReport(report: HeartbeatReport, hello: boolean): void {
    const isNew = this.#membership.report(report);
    // A newcomer says hello: answer with our own report so it sees us at once.
    const own = this.#report;
    if (hello && isNew && own && (report.pid !== own.pid || report.host !== own.host)) void this.#send(false);
  }

  #onSetDisabled(args: { host: string; binary: string; disabled: boolean; reason?: string }): void {
    this.#membership.setDisabled(args.host, args.binary, args.disabled, args.reason ?? null);
    const own = this.#report;
    if (own && own.host === args.host && own.binary === args.binary) {
      this.#report = { ...own, disabled: args.disabled, disabledReason: args.disabled ? (args.reason ?? null) : null };
    }
  }

  async #send(hello: boolean): Promise<void> {
    if (!this.#report) return;
    try {
      await this.#client.cast({}, 'report_state', { report: this.#report, hello });
      if (this.#failing) this.#logger.info('Recovered from being unable to report status.');
      this.#failing = false;
    } catch (error) {
      // nova logs the first failure loudly and keeps trying every interval.
      if (!this.#failing) this.#logger.warn({ err: error }, 'unable to report service status; will keep trying');
      this.#failing = true;
    }
  }
}
