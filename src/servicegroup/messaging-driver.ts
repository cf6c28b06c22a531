/**
 * The `messaging` driver: every reporter (one per host/binary, see host-reporter.ts)
 * fanout-casts its report to the `servicegroup` topic and keeps the table (membership.ts) from
 * everyone's reports; memory only, so a disabled flag lasts as long as the launchers do. A
 * reporter's first report says hello, and the others answer with theirs, cast to the newcomer's
 * own queue (H deliveries per newcomer, not H² as a fanout answer costs; at most
 * HELLO_ANSWERS_PER_SECOND each, however many hellos arrive); a stopping launcher casts `leave`.
 *
 * Nothing received is trusted: reports are validated and bad ones dropped with a log line;
 * `set_disabled` and `leave` must carry a signature keyed by the admin token (signed-disable.ts),
 * fresh and, for a disable, newer than the state held (replays refused). A report never sets a
 * host's disabled state by itself (issue 27, 2): only the signed change it carries as
 * `disabledProof` does, which is how a newcomer learns a state set before it came.
 */
import type { Logger } from '../logging/logger.js';
import { RpcClient } from '../rpc/client.js';
import { hex32 } from '../rpc/ids.js';
import { RpcServer } from '../rpc/server.js';
import type { Transport } from '../rpc/transports/transport.js';
import type { ServiceGroupDriver } from './driver.js';
import { ServiceNotFoundError, ServiceGroupUnavailableError } from './errors.js';
import { Membership } from './membership.js';
import {
  InvalidReport,
  parseDisable,
  parseLeave,
  parseReport,
  type DisableRequest,
  type HeartbeatReport,
  type MemberReport,
  type ServiceState,
} from './report.js';
import { checkDisableSignature, checkLeaveSignature, signDisable, signLeave, type DisabledProof } from './signed-disable.js';
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
  #disabled: { disabled: boolean; reason: string | null; at: number } = { disabled: false, reason: null, at: 0 };
  /** The signed change behind our own state, carried in our reports. */
  #ownProof: DisabledProof | undefined;
  #answerWindow = { startedAt: 0, answers: 0 };
  #retryTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: MessagingDriverOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'servicegroup' });
    this.#membership = new Membership({ serviceDownTimeMs: options.serviceDownTimeMs, maxRecords: options.maxRecords });
    this.#client = new RpcClient(
      options.transport,
      { topic: SERVICEGROUP_TOPIC, fanout: true },
      { controlExchange: options.controlExchange, logger: options.logger },
    );
    this.#direct = new RpcClient(
      options.transport,
      { topic: SERVICEGROUP_TOPIC },
      { controlExchange: options.controlExchange, logger: options.logger },
    );
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
    // Our record's state is ours (a report does not carry it into the table).
    const { disabled, reason, at } = this.#disabled;
    if (at > 0) this.#membership.setDisabled(report.host, report.binary, disabled, reason, at);
    await this.#client.cast({}, 'report_state', { report: full, hello: first });
  }

  async leave(report: MemberReport): Promise<void> {
    this.#membership.leave(report.host, report.binary, report.pid);
    const leave = { host: report.host, binary: report.binary, pid: report.pid };
    // Unsigned (no admin_token), the others ignore it and see us down after service_down_time.
    const token = this.#options.adminToken;
    await this.#client.cast({}, 'leave', token ? { ...signLeave(token, leave) } : leave);
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
    if (!own && !token)
      throw new ServiceGroupUnavailableError('disabling another host over the messaging driver needs admin_token set on every launcher');
    // The change's time, after any change we hold for it: ours must win over what came before.
    const at = Math.max(Date.now(), (this.#membership.disabledAt(request.host, request.binary) ?? 0) + 1);
    const signed = token ? signDisable(token, request, at) : undefined;
    this.#apply(request, at, signed?.sig);
    if (signed) await this.#client.cast({}, 'set_disabled', { ...signed });
    // Our report carries the flag: send it now rather than at the next interval.
    if (own && this.#own) await this.report(this.#own, false).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    await this.#server?.stop({ timeoutMs: 2000 }).catch(() => undefined);
    if (this.#options.ownsTransport) await this.#options.transport.stop().catch(() => undefined);
  }

  #withDisabled(report: MemberReport): HeartbeatReport {
    return {
      ...report,
      disabled: this.#disabled.disabled,
      disabledReason: this.#disabled.disabled ? this.#disabled.reason : null,
      server: this.#serverName,
      ...(this.#ownProof && { disabledProof: this.#ownProof }),
    };
  }

  #isOwn(request: { host: string; binary: string }): boolean {
    return this.#own !== undefined && this.#own.host === request.host && this.#own.binary === request.binary;
  }

  /** Apply a change as of `at` (signed by `sig` when there is one); false when not newer than the state held. */
  #apply(request: DisableRequest, at: number, sig: string | undefined): boolean {
    const applied = this.#membership.setDisabled(request.host, request.binary, request.disabled, request.reason, at);
    // Our own record may not be in the table yet (before our first report): we hold our state too.
    if (!this.#isOwn(request) || at <= this.#disabled.at) return applied;
    this.#disabled = { disabled: request.disabled, reason: request.reason, at };
    this.#ownProof = sig ? { disabled: request.disabled, reason: request.reason, at, sig } : undefined;
    return true;
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
    if (report.disabledProof) this.#onProof(report, report.disabledProof);
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
    void this.#direct
      .prepare({ server })
      .cast({}, 'report_state', { report, hello: false })
      .catch(() => undefined);
  }

  /** A state a report carries: believed when signed, and applied when newer than ours, at any age. */
  #onProof(report: HeartbeatReport, proof: DisabledProof): void {
    const request = { host: report.host, binary: report.binary, disabled: proof.disabled, reason: proof.reason };
    const refused = checkDisableSignature(this.#options.adminToken, request, proof.at, proof.sig, null);
    if (refused) {
      this.#dropped.warn(
        { host: report.host, binary: report.binary, why: refused },
        'ignored the unsigned or badly signed disabled state of a report',
      );
      return;
    }
    this.#apply(request, proof.at, proof.sig);
  }

  #onLeave(raw: unknown): void {
    const leave = parseLeave(raw);
    if (leave instanceof InvalidReport) {
      this.#dropped.warn({ field: leave.field }, 'dropped a malformed service-group leave');
      return;
    }
    const { at, sig } = raw as { at?: unknown; sig?: unknown };
    const refused = checkLeaveSignature(this.#options.adminToken, leave, at, sig);
    if (refused) {
      this.#dropped.warn({ host: leave.host, binary: leave.binary, why: refused }, 'ignored an unsigned or badly signed leave');
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
      this.#dropped.warn(
        { host: request.host, binary: request.binary, why: refused },
        'refused an unsigned or badly signed disable request',
      );
      return;
    }
    // Signed and fresh, but not newer than the state held: a replay (or our own cast coming back).
    if (!this.#apply(request, args.at as number, args.sig as string) && this.#membership.has(request.host, request.binary)) {
      const held = this.#membership.disabledAt(request.host, request.binary);
      if (held !== args.at)
        this.#dropped.warn(
          { host: request.host, binary: request.binary },
          'refused a disable request older than the state held (a replay?)',
        );
    }
  }
}
