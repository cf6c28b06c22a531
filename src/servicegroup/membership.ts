/**
 * The messaging driver's table, built from the reports it receives: one record per
 * (host, binary), each reporter (a launcher, by pid) a member. A record is up while one of its
 * members reported within `service_down_time` (nova's `is_up`, with `abs()` so a clock skewed
 * into the future still counts); a member that leaves is dropped at once. The table is bounded:
 * members silent past the down time are dropped, records silent for `pruneAfterMs` are
 * forgotten, and past `maxRecords` a new record is refused (forged hosts cannot grow memory).
 *
 * A record's disabled state is not taken from reports (anyone can cast one, issue 27, 2): only
 * setDisabled changes it, and only with a change newer than the one it holds (`at`), so a
 * replayed older change never undoes a newer one (issue 27, 3).
 */
import type { HeartbeatReport, ServiceState } from './report.js';

interface Member {
  report: HeartbeatReport;
  seenAt: number;
}

interface GroupRecord {
  members: Map<number, Member>;
  last: HeartbeatReport;
  lastSeenAt: number;
  /** The disabled state and the time of the change that set it (0: never changed). */
  state: { disabled: boolean; reason: string | null; at: number };
}

export interface MembershipOptions {
  /** `service_down_time` in ms. */
  serviceDownTimeMs: number;
  /** Most records kept (10000). */
  maxRecords?: number;
  /** A record silent this long is forgotten (default: 10 x service_down_time). */
  pruneAfterMs?: number;
  now?: () => number;
}

/** What `report()` did with a report. */
export type ReportOutcome = 'new-member' | 'known-member' | 'refused-full';

export class Membership {
  readonly #records = new Map<string, GroupRecord>();
  readonly #downAfterMs: number;
  readonly #pruneAfterMs: number;
  readonly #maxRecords: number;
  readonly #now: () => number;

  constructor(options: MembershipOptions) {
    this.#downAfterMs = options.serviceDownTimeMs;
    this.#pruneAfterMs = options.pruneAfterMs ?? this.#downAfterMs * 10;
    this.#maxRecords = options.maxRecords ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#records.size;
  }

  /** Reporters held across all records, live or not yet dropped. */
  get memberCount(): number {
    let count = 0;
    for (const record of this.#records.values()) count += record.members.size;
    return count;
  }

  /** Record a heartbeat (already validated). */
  report(report: HeartbeatReport): ReportOutcome {
    const key = `${report.host}/${report.binary}`;
    const now = this.#now();
    let record = this.#records.get(key);
    if (!record) {
      if (this.#records.size >= this.#maxRecords) this.prune();
      if (this.#records.size >= this.#maxRecords) return 'refused-full';
      this.#records.set(
        key,
        (record = { members: new Map(), last: report, lastSeenAt: now, state: { disabled: false, reason: null, at: 0 } }),
      );
    }
    // Members silent past the down time are gone: a flood of made-up pids cannot pile up.
    for (const [pid, member] of record.members) {
      if (!this.#isLive(member, now)) record.members.delete(pid);
    }
    const isNew = !record.members.has(report.pid);
    record.members.set(report.pid, { report, seenAt: now });
    record.last = report;
    record.lastSeenAt = now;
    return isNew ? 'new-member' : 'known-member';
  }

  /** A reporter left on purpose (its launcher stopped): forget it at once. */
  leave(host: string, binary: string, pid: number): void {
    this.#records.get(`${host}/${binary}`)?.members.delete(pid);
  }

  /**
   * Mark a record disabled (or enabled again) with a reason, as of `at` (the change's time, ms);
   * false when unknown, or when the record holds a change as new or newer (a replay).
   */
  setDisabled(host: string, binary: string, disabled: boolean, reason: string | null, at = this.#now()): boolean {
    const record = this.#records.get(`${host}/${binary}`);
    if (!record || at <= record.state.at) return false;
    record.state = { disabled, reason: disabled ? reason : null, at };
    return true;
  }

  /** The time of the change behind a record's disabled state (0: none), or undefined when unknown. */
  disabledAt(host: string, binary: string): number | undefined {
    return this.#records.get(`${host}/${binary}`)?.state.at;
  }

  has(host: string, binary: string): boolean {
    return this.#records.has(`${host}/${binary}`);
  }

  isUp(host: string, binary: string): boolean {
    const record = this.#records.get(`${host}/${binary}`);
    return record !== undefined && this.#liveMembers(record).length > 0;
  }

  /** Forget records silent for longer than the prune time. */
  prune(): void {
    const now = this.#now();
    for (const [key, record] of this.#records) {
      if (Math.abs(now - record.lastSeenAt) > this.#pruneAfterMs) this.#records.delete(key);
    }
  }

  /** Every known service with its state, sorted by binary then host. */
  list(): ServiceState[] {
    this.prune();
    return [...this.#records.values()]
      .map((record) => {
        const live = this.#liveMembers(record);
        return {
          host: record.last.host,
          binary: record.last.binary,
          topic: record.last.topic,
          version: record.last.version,
          serviceVersion: record.last.serviceVersion ?? null,
          state: live.length > 0 ? ('up' as const) : ('down' as const),
          lastHeartbeat: new Date(record.lastSeenAt).toISOString(),
          startedAt: live.map((m) => m.report.startedAt).sort()[0] ?? record.last.startedAt,
          workers: live.reduce((sum, m) => sum + m.report.workers, 0),
          pids: live.flatMap((m) => m.report.pids).sort((a, b) => a - b),
          disabled: record.state.disabled,
          disabledReason: record.state.reason,
          forcedDown: false,
        };
      })
      .sort((a, b) => compare(a.binary, b.binary) || compare(a.host, b.host));
  }

  #isLive(member: Member, now: number): boolean {
    return Math.abs(now - member.seenAt) <= this.#downAfterMs;
  }

  #liveMembers(record: GroupRecord): Member[] {
    const now = this.#now();
    return [...record.members.values()].filter((member) => this.#isLive(member, now));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
