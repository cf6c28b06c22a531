/**
 * The `messaging` driver: every reporter (one per host/binary, see host-reporter.ts)
 * fanout-casts its report to the `servicegroup` topic and keeps the table (membership.ts) from
 * everyone's reports; memory only, so a disabled flag lasts as long as the launchers do. A
 * reporter's first report says hello, and the others answer with theirs, cast to the newcomer's
 * own queue (H deliveries per newcomer, not H² as a fanout answer costs; at most
 * HELLO_ANSWERS_PER_SECOND each, however many hellos arrive); a stopping launcher casts `leave`.
 *
 * Nothing received is trusted: reports are validated and bad ones dropped with a log line, and
 * `set_disabled` must carry the admin token's signature (signed-disable.ts).
 */
import type { Logger } from '../logging/logger.js';
import { RpcClient } from '../rpc/client.js';
import { hex32 } from '../rpc/ids.js';
import { RpcServer } from '../rpc/server.js';
import type { Transport } from '../rpc/transports/transport.js';
import type { ServiceGroupDriver } from './driver.js';
import { ServiceNotFoundError, ServiceGroupUnavailableError } from './errors.js';
import { Membership } from './membership.js';
import { InvalidReport, parseDisable, parseLeave, parseReport, type DisableRequest, type HeartbeatReport, type MemberReport, type ServiceState } from './report.js';
import { checkDisableSignature, signDisable } from './signed-disable.js';
import { ThrottledWarning } from '../logging/throttled-warning.js';

export const SERVICEGROUP_TOPIC = 'servicegroup';

/** Largest service-group message accepted: a report is a few hundred bytes. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Hello answers a reporter sends per second at most; the others see it at its next report. */
const HELLO_ANSWERS_PER_SECOND = 5;

export interface MessagingDriverOptions {
  transport: Transport;
  /** Start and stop the transport (the launcher's own connection); false when its owner does. */
  ownsTransport: boolean;
  logger: Logger;
  /** `service_down_time` in ms (after effectiveDownTime). */
  serviceDownTimeMs: number;
  controlExchange: string;
  adminToken: string | undefined;
  /** Between connection attempts while the broker is unreachable, ms. Default 5 s. */
  retryIntervalMs?: number;
  maxRecords?: number;
}

export class MessagingDriver implements ServiceGroupDriver {
  readonly name = 'messaging' as const;
  readonly #options: MessagingDriverOptions;
  readonly #logger: Logger;
  readonly #membership: Membership;
  readonly #client: RpcClient;
  readonly #direct: RpcClient;
  /** This reporter's server name, unique on the bus: hello answers come here. */
  readonly #serverName = `reporter-${hex32()}`;
  readonly #dropped: ThrottledWarning;
  #server: RpcServer | undefined;
  #own: MemberReport | undefined;
  #disabled: { disabled: boolean; reason: string | null } = { disabled: false, reason: null };
  #answerWindow = { startedAt: 0, answers: 0 };
  #retryTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: MessagingDriverOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'servicegroup' });
    this.#membership = new Membership({ serviceDownTimeMs: options.serviceDownTimeMs, maxRecords: options.maxRecords });
    this.#client = new RpcClient(options.transport, { topic: SERVICEGROUP_TOPIC, fanout: true }, { controlExchange: options.controlExchange, logger: options.logger });
    this.#direct = new RpcClient(options.transport, { topic: SERVICEGROUP_TOPIC }, { controlExchange: options.controlExchange, logger: options.logger });
    this.#dropped = new ThrottledWarning(this.#logger);
  }

  /** Connect and listen; an unreachable broker is retried in the background. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (this.#options.ownsTransport) await this.#options.transport.start();
      this.#server ??= this.#makeServer();
      await this.#server.start();
    } catch (error) {
      const retryInMs = this.#options.retryIntervalMs ?? 5000;
      this.#logger.warn({ err: error, retryInMs }, 'service group cannot reach the broker; will retry');
      this.#retryTimer = setTimeout(() => void this.#connect(), retryInMs);
      this.#retryTimer.unref();
    }
  }

  #makeServer(): RpcServer {
    const endpoint = {
      report_state: (_ctx: unknown, args: { report?: unknown; hello?: unknown }) => this.#onReport(args.report, args.hello === true),
      leave: (_ctx: unknown, args: unknown) => this.#onLeave(args),
      set_disabled: (_ctx: unknown, args: { request?: unknown; at?: unknown; sig?: unknown }) => this.#onSetDisabled(args),
      // The table as this reporter knows it (read-only; the reports are fanned out to every
      // listener anyway): `[upgrade_levels] TOPIC = auto` of a client outside any service.
      services: () => this.#membership.list(),
    };
    return new RpcServer(this.#options.transport, { topic: SERVICEGROUP_TOPIC, server: this.#serverName }, [endpoint], {
      controlExchange: this.#options.controlExchange,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      executorPoolSize: 8,
      logger: this.#options.logger,
    });
  }

  async report(report: MemberReport, first: boolean): Promise<void> {
    this.#own = report;
    const full = this.#withDisabled(report);
    this.#membership.report(full);
    await this.#client.cast({}, 'report_state', { report: full, hello: first });
  }

  async leave(report: MemberReport): Promise<void> {
    this.#membership.leave(report.host, report.binary, report.pid);
    await this.#client.cast({}, 'leave', { host: report.host, binary: report.binary, pid: report.pid });
  }

  async services(): Promise<ServiceState[]> {
    return this.#membership.list();
  }

  /**
   * Our own host needs no signature (the launcher's own identity: the admin route in one of its
   * workers checked the token); the others learn it by a signed cast.
   */
  async setDisabled(request: DisableRequest): Promise<void> {
    const own = this.#isOwn(request);
    if (!own && !this.#membership.has(request.host, request.binary)) throw new ServiceNotFoundError(request.host, request.binary);
    const token = this.#options.adminToken;
    if (!own && !token) throw new ServiceGroupUnavailableError('disabling another host over the messaging driver needs admin_token set on every launcher');
    this.#apply(request);
    if (token) await this.#client.cast({}, 'set_disabled', { ...signDisable(token, request) });
    // Our report carries the flag: send it now rather than at the next interval.
    if (own && this.#own) await this.report(this.#own, false).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    await this.#server?.stop().catch(() => undefined);
    await this.#server?.wait(2000).catch(() => undefined);
    if (this.#options.ownsTransport) await this.#options.transport.stop().catch(() => undefined);
  }

  #withDisabled(report: MemberReport): HeartbeatReport {
    return { ...report, disabled: this.#disabled.disabled, disabledReason: this.#disabled.disabled ? this.#disabled.reason : null, server: this.#serverName };
  }

  #isOwn(request: { host: string; binary: string }): boolean {
    return this.#own !== undefined && this.#own.host === request.host && this.#own.binary === request.binary;
  }

  #apply(request: DisableRequest): void {
    this.#membership.setDisabled(request.host, request.binary, request.disabled, request.reason);
    if (this.#isOwn(request)) this.#disabled = { disabled: request.disabled, reason: request.reason };
  }

  #onReport(raw: unknown, hello: boolean): void {
    const report = parseReport(raw);
    if (report instanceof InvalidReport) {
      this.#dropped.warn({ field: report.field }, 'dropped a malformed service-group report');
      return;
    }
    const own = this.#own;
    if (own && report.pid === own.pid && report.host === own.host && report.binary === own.binary) return;
    const outcome = this.#membership.report(report);
    if (outcome === 'refused-full') {
      this.#dropped.warn({ records: this.#membership.size }, 'service-group table is full; dropped a report of a new host');
      return;
    }
    if (hello && outcome === 'new-member' && report.server) this.#answerHello(report.server);
  }

  /** Answer a newcomer with our report, to its queue alone, within the per-second budget. */
  #answerHello(server: string): void {
    const own = this.#own;
    if (!own || this.#stopped) return;
    const now = Date.now();
    if (now - this.#answerWindow.startedAt >= 1000) this.#answerWindow = { startedAt: now, answers: 0 };
    if (this.#answerWindow.answers >= HELLO_ANSWERS_PER_SECOND) return;
    this.#answerWindow.answers++;
    const report = this.#withDisabled(own);
    void this.#direct.prepare({ server }).cast({}, 'report_state', { report, hello: false }).catch(() => undefined);
  }

  #onLeave(raw: unknown): void {
    const leave = parseLeave(raw);
    if (leave instanceof InvalidReport) {
      this.#dropped.warn({ field: leave.field }, 'dropped a malformed service-group leave');
      return;
    }
    this.#membership.leave(leave.host, leave.binary, leave.pid);
  }

  #onSetDisabled(args: { request?: unknown; at?: unknown; sig?: unknown }): void {
    const request = parseDisable(args.request);
    if (request instanceof InvalidReport) {
      this.#dropped.warn({ field: request.field }, 'dropped a malformed service-group disable request');
      return;
    }
    const refused = checkDisableSignature(this.#options.adminToken, request, args.at, args.sig);
    if (refused) {
      this.#dropped.warn({ host: request.host, binary: request.binary, why: refused }, 'refused an unsigned or badly signed disable request');
      return;
    }
    this.#apply(request);
  }
}
