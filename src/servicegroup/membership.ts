/**
 * The service-group table each worker keeps from the heartbeats it receives: one record per
 * (host, binary), shared by every worker of that service, each worker a member by pid. A record
 * is up while one of its members reported within `service_down_time` (nova's `is_up`, with
 * `abs()` so a clock skewed into the future still counts); a member that leaves is dropped at
 * once, so a stopped service is down at once and a killed worker only ages out.
 */

/** What a worker reports every report_interval. */
export interface HeartbeatReport {
  readonly host: string;
  readonly binary: string;
  readonly topic: string;
  readonly version: string;
  readonly pid: number;
  /** The pid of the launcher that runs this worker: a stopping launcher leaves for all of them. */
  readonly launcherPid: number;
  readonly workers: number;
  readonly startedAt: string;
  readonly disabled: boolean;
  readonly disabledReason: string | null;
}

/** One row of /v1/services. */
export interface ServiceState {
  host: string;
  binary: string;
  topic: string;
  version: string;
  state: 'up' | 'down';
  lastHeartbeat: string;
  startedAt: string;
  workers: number;
  pids: number[];
  disabled: boolean;
  disabledReason: string | null;
}

interface Member {
  report: HeartbeatReport;
  seenAt: number;
}

interface GroupRecord {
  members: Map<number, Member>;
  last: HeartbeatReport;
  lastSeenAt: number;
}

export class Membership {
  readonly #records = new Map<string, GroupRecord>();
  readonly #downAfterMs: number;
  readonly #now: () => number;

  constructor(options: { serviceDownTimeSeconds: number; now?: () => number }) {
    this.#downAfterMs = options.serviceDownTimeSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Record a heartbeat; true when it came from a member not seen before. */
  report(report: HeartbeatReport): boolean {
    const key = `${report.host}/${report.binary}`;
    const now = this.#now();
    let record = this.#records.get(key);
    if (!record) this.#records.set(key, (record = { members: new Map(), last: report, lastSeenAt: now }));
    const isNew = !record.members.has(report.pid);
    record.members.set(report.pid, { report, seenAt: now });
    record.last = report;
    record.lastSeenAt = now;
    return isNew;
  }

  /**
   * A worker left on purpose: forget it at once. With `launcherPid`, its launcher is stopping:
   * forget every worker of that launcher, including ones that were killed and never said so.
   */
  leave(host: string, binary: string, pid: number, launcherPid?: number): void {
    const members = this.#records.get(`${host}/${binary}`)?.members;
    if (!members) return;
    members.delete(pid);
    if (launcherPid === undefined) return;
    for (const [memberPid, member] of members) {
      if (member.report.launcherPid === launcherPid) members.delete(memberPid);
    }
  }

  /** Mark a record disabled (or enabled again) with a reason. */
  setDisabled(host: string, binary: string, disabled: boolean, reason: string | null): boolean {
    const record = this.#records.get(`${host}/${binary}`);
    if (!record) return false;
    record.last = { ...record.last, disabled, disabledReason: disabled ? reason : null };
    return true;
  }

  isUp(host: string, binary: string): boolean {
    const record = this.#records.get(`${host}/${binary}`);
    return record !== undefined && this.#liveMembers(record).length > 0;
  }

  /** Every known service with its state, sorted by binary then host. */
  list(): ServiceState[] {
    return [...this.#records.values()]
      .map((record) => {
        const live = this.#liveMembers(record);
        return {
          host: record.last.host,
          binary: record.last.binary,
          topic: record.last.topic,
          version: record.last.version,
          state: live.length > 0 ? ('up' as const) : ('down' as const),
          lastHeartbeat: new Date(record.lastSeenAt).toISOString(),
          startedAt: live.map((m) => m.report.startedAt).sort()[0] ?? record.last.startedAt,
          workers: live.length,
          pids: live.map((m) => m.report.pid).sort((a, b) => a - b),
          disabled: record.last.disabled,
          disabledReason: record.last.disabledReason,
        };
      })
      .sort((a, b) => a.binary.localeCompare(b.binary) || a.host.localeCompare(b.host));
  }

  #liveMembers(record: GroupRecord): Member[] {
    const now = this.#now();
    return [...record.members.values()].filter((member) => Math.abs(now - member.seenAt) <= this.#downAfterMs);
  }
}
