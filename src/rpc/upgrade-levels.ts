/**
 * `[upgrade_levels] TOPIC = auto | VERSION` (nova's upgrade_levels): the highest RPC version a
 * client of TOPIC may send. A VERSION pins it; `auto` follows the running services: the lowest
 * service version among the live services of TOPIC (the service group's table: nova's
 * `services` rows on the db driver, the reports on the messaging driver), mapped to an RPC
 * version through the topic's version history (nova's SERVICE_VERSION_HISTORY). So during a
 * rolling upgrade clients send what the oldest live service understands, and move up, without
 * a restart, once the last old service is down.
 *
 * The cap is read at every send (RpcClient's `versionCap` may be a VersionCapSource), and
 * re-evaluated every interval; each change is logged once with the version, the host holding
 * it back and the reason.
 */
import { ConfigError, ErrorCodes } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { ServiceState } from '../servicegroup/report.js';

/** Service version -> the RPC API version that service version serves. */
export type VersionHistory = Readonly<Record<number, string>>;

/** A cap that may change while clients hold it. */
export interface VersionCapSource {
  /** The cap now (undefined: uncapped). */
  readonly versionCap: string | undefined;
}

const VERSION = /^\d{1,9}\.\d{1,9}(\.\d{1,9})?$/;

/** `auto`, or a version "X.Y[.Z]"; ConfigError naming the topic otherwise. */
export function parseUpgradeLevel(topic: string, raw: string): 'auto' | string {
  const value = raw.trim();
  if (value === 'auto' || VERSION.test(value)) return value;
  throw new ConfigError(
    ErrorCodes.CONFIG_INVALID,
    `invalid value for option upgrade_levels (${topic}): expected auto or a version like 1.2, got "${raw}"`,
    { option: 'upgrade_levels' },
  );
}

/** The history's entries, lowest service version first; ConfigError when one is malformed. */
export function historyEntries(topic: string, history: VersionHistory): Array<[number, string]> {
  const entries = Object.entries(history).map(([key, rpc]): [number, string] => {
    const serviceVersion = Number(key);
    if (!Number.isSafeInteger(serviceVersion) || serviceVersion < 0 || typeof rpc !== 'string' || !VERSION.test(rpc)) {
      throw new ConfigError(
        ErrorCodes.CONFIG_INVALID,
        `the version history of ${topic} maps service versions (integers) to RPC versions ("1.2"); ${key} -> ${String(rpc)} is neither`,
      );
    }
    return [serviceVersion, rpc];
  });
  if (entries.length === 0)
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      `[upgrade_levels] ${topic} = auto needs the version history of ${topic}'s manager; it is empty`,
    );
  return entries.sort((a, b) => a[0] - b[0]);
}

/** What the cap is and why (logged on every change). */
export interface CapDecision {
  readonly versionCap: string;
  /** The lowest live service version (undefined: no live service, or a pinned level). */
  readonly serviceVersion?: number;
  /** The host holding the cap back (the one with the lowest service version). */
  readonly host?: string;
  readonly binary?: string;
  readonly reason: string;
}

/**
 * The cap `auto` gives for these services: the lowest service version among the live (up,
 * not forced down) services of `topic`, through `history` (the entry at or below it). No live
 * service: the newest entry (nova: "assuming latest"). A live service with no service version
 * (a launcher from before service versions) counts as the oldest entry.
 */
export function decideCap(
  topic: string,
  entries: ReadonlyArray<readonly [number, string]>,
  services: readonly ServiceState[],
): CapDecision {
  const oldest = entries[0]!;
  const newest = entries[entries.length - 1]!;
  const live = services.filter((service) => service.topic === topic && service.state === 'up' && !service.forcedDown);
  if (live.length === 0) return { versionCap: newest[1], reason: `no live service of topic ${topic}: the newest version in the history` };
  const unversioned = live.find((service) => service.serviceVersion === null);
  if (unversioned) {
    return {
      versionCap: oldest[1],
      host: unversioned.host,
      binary: unversioned.binary,
      reason: 'a live service reports no service version: the oldest version in the history',
    };
  }
  const lowest = live.reduce((low, service) => (service.serviceVersion! < low.serviceVersion! ? service : low));
  const min = lowest.serviceVersion!;
  const at = [...entries].reverse().find(([serviceVersion]) => serviceVersion <= min);
  const holder = { serviceVersion: min, host: lowest.host, binary: lowest.binary };
  if (!at)
    return { versionCap: oldest[1], ...holder, reason: `service version ${min} is older than the version history: its oldest version` };
  return { versionCap: at[1], ...holder, reason: 'the lowest service version among the live services of the topic' };
}

export interface UpgradeLevelCapOptions {
  readonly topic: string;
  /** `auto` or a pinned version (parseUpgradeLevel). */
  readonly level: string;
  /** Needed for `auto`: service version -> RPC version of the topic's service. */
  readonly history?: VersionHistory;
  /** The service group's table (needed for `auto`). */
  readonly services?: () => Promise<ServiceState[]>;
  readonly logger: Logger;
  /** How often `auto` re-reads the table, ms. */
  readonly refreshIntervalMs: number;
}

/** One topic's cap: pinned, or following the live services (`auto`). */
export class UpgradeLevelCap implements VersionCapSource {
  readonly topic: string;
  readonly #options: UpgradeLevelCapOptions;
  readonly #logger: Logger;
  readonly #entries: ReadonlyArray<[number, string]> | undefined;
  #decision: CapDecision;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #readFailing = false;

  constructor(options: UpgradeLevelCapOptions) {
    this.topic = options.topic;
    this.#options = options;
    this.#logger = options.logger.child({ component: 'upgrade-levels' });
    const level = parseUpgradeLevel(options.topic, options.level);
    if (level === 'auto') {
      if (!options.history)
        throw new ConfigError(
          ErrorCodes.CONFIG_INVALID,
          `[upgrade_levels] ${options.topic} = auto needs the version history of ${options.topic}'s manager (its versionHistory)`,
        );
      this.#entries = historyEntries(options.topic, options.history);
      // Until the table is read: the oldest version, which every service of the history serves.
      this.#decision = { versionCap: this.#entries[0]![1], reason: 'the service group not read yet: the oldest version in the history' };
    } else {
      this.#decision = { versionCap: level, reason: 'pinned by [upgrade_levels]' };
    }
    this.#log(this.#decision);
  }

  get versionCap(): string {
    return this.#decision.versionCap;
  }

  /** Why the cap is what it is. */
  get decision(): CapDecision {
    return this.#decision;
  }

  /** Read the table now and move the cap if the minimum changed (auto; pinned: nothing). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** Re-read every interval (auto); resolves after the first read. */
  async start(): Promise<void> {
    if (!this.#entries || this.#timer) return;
    this.#timer = setInterval(() => void this.refresh(), Math.max(100, this.#options.refreshIntervalMs));
    this.#timer.unref();
    await this.refresh();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #refresh(): Promise<void> {
    const entries = this.#entries;
    const services = this.#options.services;
    if (!entries || !services) return;
    let table: ServiceState[];
    try {
      table = await services();
    } catch (error) {
      // The cap stays where it is: a table we cannot read says nothing about who is running.
      if (!this.#readFailing)
        this.#logger.warn(
          { topic: this.topic, err: { message: (error as Error).message }, versionCap: this.versionCap },
          'upgrade_levels: cannot read the service group; keeping the RPC version cap',
        );
      this.#readFailing = true;
      return;
    }
    this.#readFailing = false;
    const next = decideCap(this.topic, entries, table);
    const previous = this.#decision;
    this.#decision = next;
    if (next.versionCap !== previous.versionCap || next.serviceVersion !== previous.serviceVersion || next.reason !== previous.reason)
      this.#log(next);
  }

  #log(decision: CapDecision): void {
    this.#logger.info(
      {
        topic: this.topic,
        versionCap: decision.versionCap,
        serviceVersion: decision.serviceVersion,
        host: decision.host,
        binary: decision.binary,
        reason: decision.reason,
      },
      `upgrade_levels: RPC version cap for ${this.topic} is ${decision.versionCap}${decision.host ? ` (held by ${decision.host}, service version ${decision.serviceVersion ?? 'none'})` : ''}: ${decision.reason}`,
    );
  }
}
