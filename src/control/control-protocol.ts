/**
 * The launcher's control protocol (ctl.js ⇄ launcher): newline-delimited JSON on a 0600 unix
 * socket. A request names a command; its answer carries the same `id`. `pid`, when set, must be
 * the launcher's own (ctl.js --pid-file): another launcher answers `wrong-launcher`.
 */

export type ControlCommand = 'status' | 'scale' | 'reload' | 'stop' | 'upgrade';

export interface ControlRequest {
  readonly id: number;
  readonly command: ControlCommand;
  /** `scale`: the number of workers wanted. */
  readonly workers?: number;
  /** The pid of the launcher meant. */
  readonly pid?: number;
}

export type ControlAnswer =
  | { readonly id: number; readonly ok: true; readonly result?: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly code?: 'wrong-launcher' | 'bad-request' };

/** The outcome of reload, scale or stop: done, or refused/failed with the reason. */
export type OperationResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The outcome of upgrade (a handover, as SIGUSR2): the pid of the launcher that took over. */
export type UpgradeResult = { readonly ok: true; readonly pid: number } | { readonly ok: false; readonly reason: string };

/** `ctl.js status --json`: the launcher and one row per worker process (the spare included). */
export interface LauncherStatus {
  readonly launcher: {
    readonly pid: number;
    readonly uptimeSeconds: number;
    readonly state: string;
    readonly port: number;
    /** `embedded` or `rabbit` (never the URL: it holds a password). */
    readonly transport: string;
    /** Workers in force (the spare not counted): the configured count, or the last `scale N`. */
    readonly workers: number;
    readonly maxMemoryRestartMiB: number;
    /** The service's binary (null until a worker reported it, when unset in the config). */
    readonly binary: string | null;
    /** `workers` as the configuration says; differs from `workers` after `scale N` until the configured value changes. */
    readonly configuredWorkers: number;
  };
  readonly workers: WorkerStatus[];
}

export interface WorkerStatus {
  /** 1..N; 0 for the spare. */
  readonly slot: number;
  readonly pid: number;
  readonly state: 'starting' | 'ready' | 'draining' | 'spare';
  readonly uptimeSeconds: number;
  readonly restarts: number;
  /** Percent of one core over the last few seconds; null until two samples exist. */
  readonly cpuPercent: number | null;
  readonly rssBytes: number | null;
  /** HTTP requests served by this process, and in flight now. */
  readonly requests: number;
  readonly inFlight: number;
}

const COMMANDS: readonly ControlCommand[] = ['status', 'scale', 'reload', 'stop', 'upgrade'];

/** `scale`'s bounds: the `workers` option's (the launcher used to take 2^53-1 and crash). */
export const MAX_WORKERS = 512;

/** Check a decoded frame; returns the reason it is not a request. */
export function invalidRequest(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null) return 'a request must be a JSON object';
  const { id, command, workers, pid } = frame as Record<string, unknown>;
  if (!Number.isSafeInteger(id)) return 'id must be an integer';
  if (!COMMANDS.includes(command as ControlCommand)) return `command must be one of ${COMMANDS.join(', ')}`;
  if (command === 'scale' && !(Number.isSafeInteger(workers) && (workers as number) >= 1 && (workers as number) <= MAX_WORKERS)) {
    return `scale needs workers, an integer from 1 to ${MAX_WORKERS}`;
  }
  if (pid !== undefined && !Number.isSafeInteger(pid)) return 'pid must be an integer';
  return undefined;
}
