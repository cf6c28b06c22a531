/**
 * The primary ⇄ worker protocol. Every message is tagged (`osn: 1`) so that other IPC traffic
 * (pm2's, a user's `process.send`) is ignored, and typed by `type`. Requests carry `seq`; their
 * answers carry `ack` with the same number. Unknown types are ignored by both sides.
 */
import type { WorkerRecord } from '../servicegroup/host-reporter.js';
import type { WorkerActivity } from './heartbeat.js';
import type { DisableRequest } from '../servicegroup/report.js';

/** Tag that marks our messages on a shared IPC channel. */
export const IPC_TAG = 'osn' as const;

interface Tagged {
  readonly [IPC_TAG]: 1;
  /** Set on requests that expect an answer. */
  readonly seq?: number;
  /** Set on answers: the seq of the request. */
  readonly ack?: number;
}

/** A worker's view of its slot: the answer to its `hello`. */
export interface WorkerInit {
  /** The frozen Config as plain JSON. */
  readonly config: Record<string, unknown>;
  /** Stable slot number 1..N, kept by a replacement (unlike cluster's worker.id). */
  readonly slot: number;
  /** How many workers this launcher runs. */
  readonly workers: number;
  /** Manager module used when `manager` is unset (the entry wiring's default, e.g. the demo's). */
  readonly defaultManager?: string;
  /** App module used when `app` is unset. */
  readonly defaultApp?: string;
}

/** What a worker may load before it has a slot: the answer to its `preload`. */
export type WorkerPreload = Pick<WorkerInit, 'config' | 'defaultManager' | 'defaultApp'> & {
  /** The slot, when the worker was forked for one (a spare learns its slot only when it takes one). */
  readonly slot?: number;
};

/**
 * Why the primary stops a worker: `shutdown` (the launcher stops), `reload` (replaced by a new
 * worker), `scale` (its slot is removed). Only a shutdown closes idle connections at once.
 */
/** `handover`: another launcher serves the socket now; the worker drains as on a reload. */
export type StopReason = 'shutdown' | 'reload' | 'scale' | 'handover';

export type PrimaryMessage =
  /** An accepted connection travels as the IPC send handle of this message. */
  | (Tagged & { readonly type: 'connection' })
  /** Stop gracefully; `reason` decides the log line, `timeoutMs` bounds the drain. */
  | (Tagged & { readonly type: 'stop'; readonly reason: StopReason; readonly timeoutMs: number })
  /** This worker's HTTP counters, for `ctl.js status`. */
  | (Tagged & { readonly type: 'stats' })
  /** This worker's prom-client registry as JSON, for the merged /metrics. */
  | (Tagged & { readonly type: 'metrics-json' })
  /** Which `one-worker` periodic tasks this worker owns now. */
  | (Tagged & { readonly type: 'periodic-assign'; readonly tasks: readonly string[] })
  /** Embedded-transport frames for the worker, in order (frame-batch.ts). */
  | (Tagged & { readonly type: 'transport'; readonly frames: readonly unknown[] })
  | (Tagged & { readonly type: 'reply'; readonly ok: boolean; readonly value?: unknown; readonly error?: string; readonly code?: string });

export type WorkerMessage =
  /**
   * The worker's first message, a request answered with its WorkerInit. The worker asks (rather
   * than the primary pushing at fork time) because IPC messages that arrive before the worker's
   * module has attached its 'message' listener are lost.
   */
  | (Tagged & { readonly type: 'hello' })
  /**
   * Sent before `hello`, answered at once with a WorkerPreload: a spare imports its modules while
   * it waits for a slot, so that taking one leaves only the start-up itself.
   */
  | (Tagged & { readonly type: 'preload' })
  /**
   * The worker serves: HTTP accepts and RPC consumes. `binary` is its service's (from the
   * manager's class when unset): the launcher publishes it in its record (control/launchers.ts).
   */
  | (Tagged & {
      readonly type: 'ready';
      readonly binary?: string /** RSS at ready, before any request: what a fresh worker holds. */;
      readonly rssBytes?: number;
    })
  /**
   * Start failed (a request: the worker exits once it is answered). The launcher counts it
   * against the restart budget, unless `permanent` (a configuration, a broker refusal, or a user
   * module that cannot be loaded: no restart fixes them): then a launcher that has not served yet
   * stops and exits 2, with `error` (one line, naming the module and the reason) on stderr.
   */
  | (Tagged & { readonly type: 'start-failed'; readonly error: string; readonly permanent?: boolean })
  /**
   * Still starting, waiting for something outside (the broker): the launcher's
   * worker_start_timeout counts from this message, so a worker waiting for the broker is not killed.
   */
  | (Tagged & {
      readonly type: 'start-waiting';
      readonly waitingFor: string;
      readonly attempt: number;
      readonly nextDelayMs: number;
      readonly attemptTimeoutMs?: number;
    })
  | (Tagged & { readonly type: 'stopping' })
  /** The worker's event loop runs (worker_heartbeat_timeout), with what it was doing (heartbeat.ts). */
  | (Tagged & { readonly type: 'heartbeat'; readonly activity: WorkerActivity })
  /**
   * An idle keep-alive connection that a worker draining for a reload gives back, as the IPC
   * send handle of this message, so that the next worker serves it: closing it could cross a
   * request the client is writing on it.
   */
  | (Tagged & { readonly type: 'connection-back' })
  /** Ask the primary for its workers (WorkerInfo[]). */
  | (Tagged & { readonly type: 'list-workers' })
  /** Ask the primary for every worker's metrics, merged (Prometheus text). */
  | (Tagged & { readonly type: 'metrics' })
  | (Tagged & { readonly type: 'periodic-register'; readonly tasks: readonly string[] })
  /** Service group: this worker is alive (a request the first time: answered once reported). */
  | (Tagged & { readonly type: 'servicegroup-alive'; readonly record: WorkerRecord })
  | (Tagged & { readonly type: 'servicegroup-leave' })
  /** Service group: the table (answered with ServiceState[]). */
  | (Tagged & { readonly type: 'servicegroup-services' })
  /** Service group: disable or enable (answered with a DisableOutcome). */
  | (Tagged & { readonly type: 'servicegroup-set-disabled'; readonly request: DisableRequest })
  /** Embedded-transport frames for the router, in order (frame-batch.ts). */
  | (Tagged & { readonly type: 'transport'; readonly frames: readonly unknown[] })
  | (Tagged & { readonly type: 'reply'; readonly ok: boolean; readonly value?: unknown; readonly error?: string; readonly code?: string });

/** What the primary knows of one worker, as shown by /v1/workers. */
export interface WorkerInfo {
  readonly slot: number;
  readonly pid: number;
  readonly startedAt: string;
  readonly restarts: number;
  readonly ready: boolean;
  readonly state: WorkerState;
}

/** Named worker states, as node's cluster names them. */
export type WorkerState = 'starting' | 'ready' | 'stopping' | 'dead';

type Payload<M> = M extends unknown ? Omit<M, typeof IPC_TAG | 'seq' | 'ack'> : never;
export type PrimaryPayload = Payload<PrimaryMessage>;
export type WorkerPayload = Payload<WorkerMessage>;

/** True when `value` is one of our tagged messages. */
export function isTagged(value: unknown): value is { type: string; seq?: number; ack?: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[IPC_TAG] === 1 &&
    typeof (value as Record<string, unknown>).type === 'string'
  );
}
