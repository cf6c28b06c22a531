/**
 * A service-group driver (nova's `servicegroup_driver`): where reports go and where the table
 * is read. `messaging` fanout-casts reports between the launchers (memory only, grows with
 * hosts²); `db` writes one row per host/binary in PostgreSQL (persistent, grows with hosts).
 * Callers report per host: one reporter per launcher (see host-reporter.ts).
 */
import type { DisableRequest, MemberReport, ServiceState } from './report.js';

export interface ServiceGroupDriver {
  readonly name: 'messaging' | 'db';
  /** Connect; never rejects for an unreachable backend (reports fail and are logged instead). */
  start(): Promise<void>;
  /** One heartbeat. `first`: this reporter's first one (the messaging driver asks peers to answer). Throws on failure. */
  report(report: MemberReport, first: boolean): Promise<void>;
  /** The reporter stops for good (its launcher shuts down). */
  leave(report: MemberReport): Promise<void>;
  /** The table; the last one known while the backend is unreachable. */
  services(): Promise<ServiceState[]>;
  /** Disable or enable; ServiceNotFoundError / ServiceGroupUnavailableError. */
  setDisabled(request: DisableRequest): Promise<void>;
  stop(): Promise<void>;
}
