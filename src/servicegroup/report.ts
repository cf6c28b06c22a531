/**
 * What travels in the service group, and the checks a received message must pass before it
 * touches the table: any peer on the bus can publish to the `servicegroup` topic, so a report is
 * data to validate, never trusted (strings bounded like nova's varchar(255) columns, pids and
 * counts integers). A message that fails is dropped by the caller, with a log line.
 */

/** nova's `services` columns are varchar(255): the same bound for every string we keep. */
export const MAX_FIELD_LENGTH = 255;
/** More worker pids than any host runs: a report listing more is forged. */
export const MAX_REPORTED_PIDS = 1024;
/** nova's `version` column is a PostgreSQL integer: the largest service version it holds. */
export const MAX_SERVICE_VERSION = 2_147_483_647;

/** What one host's launcher reports for its host/binary every report_interval. */
export interface HeartbeatReport {
  readonly host: string;
  readonly binary: string;
  readonly topic: string;
  /** Our RPC API version (the manager's target version); shown, never used for a cap. */
  readonly version: string;
  /**
   * The manager's integer service version (nova's `version` column, nova's SERVICE_VERSION):
   * what `[upgrade_levels] TOPIC = auto` maps to an RPC version. Absent in reports of launchers
   * from before issue 28.
   */
  readonly serviceVersion?: number;
  /** The reporter's pid (the launcher's; the worker's for a Service run without one). */
  readonly pid: number;
  /** Workers alive on that host (their liveness folded into the host's report). */
  readonly workers: number;
  readonly pids: readonly number[];
  readonly startedAt: string;
  /** The reporter's own state, shown; receivers believe only `disabledProof` (issue 27, 2). */
  readonly disabled: boolean;
  readonly disabledReason: string | null;
  /** The messaging driver's own server name: a hello is answered there, not to everyone. */
  readonly server?: string;
  /** The signed change behind the reporter's disabled state (signed-disable.ts), when it has one. */
  readonly disabledProof?: { readonly disabled: boolean; readonly reason: string | null; readonly at: number; readonly sig: string };
}

/** A report before the driver adds what it owns (disabled state, server name). */
export type MemberReport = Omit<HeartbeatReport, 'disabled' | 'disabledReason' | 'server' | 'disabledProof'>;

/** One row of /v1/services. `workers` and `pids` are null where the driver does not know them. */
export interface ServiceState {
  host: string;
  binary: string;
  topic: string;
  /** The RPC API version where known (messaging reports; the db driver's own row), else "". */
  version: string;
  /** The integer service version (nova's `version` column); null where none was reported. */
  serviceVersion: number | null;
  state: 'up' | 'down';
  lastHeartbeat: string | null;
  startedAt: string | null;
  workers: number | null;
  pids: number[] | null;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
}

/** A check failed: `field` says which, never echoing the value. */
export class InvalidReport {
  constructor(readonly field: string) {}
}

type Fields = Record<string, unknown>;

function objectOf(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidReport(field);
  return value as Fields;
}

export function boundedString(value: unknown, field: string, options: { allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string' || value.length > MAX_FIELD_LENGTH || (!options.allowEmpty && value.length === 0))
    throw new InvalidReport(field);
  return value;
}

function nullableString(value: unknown, field: string): string | null {
  return value === null || value === undefined ? null : boundedString(value, field, { allowEmpty: true });
}

export function positiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new InvalidReport(field);
  return value;
}

/** A server name becomes an AMQP routing key: short, and of safe characters only. */
function serverName(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(value)) throw new InvalidReport('server');
  return value;
}

/** A service version: an integer nova's column can hold. */
export function serviceVersion(value: unknown, field = 'serviceVersion'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_SERVICE_VERSION) throw new InvalidReport(field);
  return value;
}

function count(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_REPORTED_PIDS) throw new InvalidReport(field);
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidReport(field);
  return value;
}

function proof(value: unknown): NonNullable<HeartbeatReport['disabledProof']> {
  const raw = objectOf(value, 'disabledProof');
  const disabled = bool(raw.disabled, 'disabledProof');
  const at = positiveInt(raw.at, 'disabledProof');
  if (typeof raw.sig !== 'string' || !/^[0-9a-f]{64}$/.test(raw.sig)) throw new InvalidReport('disabledProof');
  return { disabled, reason: disabled ? nullableString(raw.reason, 'disabledProof') : null, at, sig: raw.sig };
}

/** A validated copy of `value` (only known fields kept), or InvalidReport. */
export function parseReport(value: unknown): HeartbeatReport | InvalidReport {
  try {
    const raw = objectOf(value, 'report');
    const host = boundedString(raw.host, 'host');
    const binary = boundedString(raw.binary, 'binary');
    const topic = boundedString(raw.topic, 'topic');
    const version = boundedString(raw.version, 'version', { allowEmpty: true });
    const pid = positiveInt(raw.pid, 'pid');
    const pids = raw.pids;
    if (!Array.isArray(pids) || pids.length > MAX_REPORTED_PIDS) throw new InvalidReport('pids');
    return {
      host,
      binary,
      topic,
      version,
      ...(raw.serviceVersion === undefined ? {} : { serviceVersion: serviceVersion(raw.serviceVersion) }),
      pid,
      workers: count(raw.workers, 'workers'),
      pids: pids.map((one) => positiveInt(one, 'pids')),
      startedAt: boundedString(raw.startedAt, 'startedAt'),
      disabled: bool(raw.disabled, 'disabled'),
      disabledReason: nullableString(raw.disabledReason, 'disabledReason'),
      ...(raw.server === undefined ? {} : { server: serverName(raw.server) }),
      ...(raw.disabledProof === undefined ? {} : { disabledProof: proof(raw.disabledProof) }),
    };
  } catch (error) {
    if (error instanceof InvalidReport) return error;
    throw error;
  }
}

/** `leave` arguments: host, binary and the reporter's pid. */
export function parseLeave(value: unknown): { host: string; binary: string; pid: number } | InvalidReport {
  try {
    const raw = objectOf(value, 'leave');
    return { host: boundedString(raw.host, 'host'), binary: boundedString(raw.binary, 'binary'), pid: positiveInt(raw.pid, 'pid') };
  } catch (error) {
    if (error instanceof InvalidReport) return error;
    throw error;
  }
}

/** A disable or enable request (admin route, IPC or bus). */
export interface DisableRequest {
  readonly host: string;
  readonly binary: string;
  readonly disabled: boolean;
  readonly reason: string | null;
}

export function parseDisable(value: unknown): DisableRequest | InvalidReport {
  try {
    const raw = objectOf(value, 'set_disabled');
    const disabled = bool(raw.disabled, 'disabled');
    return {
      host: boundedString(raw.host, 'host'),
      binary: boundedString(raw.binary, 'binary'),
      disabled,
      reason: disabled ? nullableString(raw.reason, 'reason') : null,
    };
  } catch (error) {
    if (error instanceof InvalidReport) return error;
    throw error;
  }
}
