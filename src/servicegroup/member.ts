/**
 * What a Service sees of the service group: it registers, stays alive from `start()` (nova's
 * `join`) until `stop()` (nova's leave), and reads or changes the table. In a launcher the launcher reports for the host
 * (launcher-client.ts); a Service run on its own reports for itself (local-group.ts).
 */
import type { WorkerRecord } from './host-reporter.js';
import type { ServiceState } from './report.js';

export interface ServiceGroupMember {
  /** This service runs: report it (resolves once the first report was tried). */
  register(record: WorkerRecord): Promise<void>;
  /** Say "alive" every report_interval from now on (0: never); nova's `join`. */
  start(): void;
  /** Stop saying alive and leave the group. */
  stop(): Promise<void>;
  services(): Promise<ServiceState[]>;
  isUp(host: string, binary: string): Promise<boolean>;
  /** Disable or enable a service (admin); ServiceNotFoundError / ServiceGroupUnavailableError. */
  setDisabled(host: string, binary: string, disabled: boolean, reason: string | null): Promise<void>;
}

/** nova's `is_up` over a table read. */
export async function isUpIn(member: ServiceGroupMember, host: string, binary: string): Promise<boolean> {
  return (await member.services()).some((service) => service.host === host && service.binary === binary && service.state === 'up');
}
