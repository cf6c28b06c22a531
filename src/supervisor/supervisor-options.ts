/** What a Supervisor is built from, and the plugin interface that follows its workers' lives. */
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/options.js';
import type { StopOptions } from '../lifecycle/with-timeout.js';
import type { Logger } from '../logging/logger.js';
import type { ListenSocket } from './listen-socket.js';
import type { WorkerHandle } from './worker-handle.js';

/** Something that follows the workers' lives (the embedded RPC router, task ownership, systemd). */
export interface SupervisorPlugin {
  onWorker?(handle: WorkerHandle): void;
  onWorkerExit?(handle: WorkerHandle): void;
  /** The launcher's state changed; `workers` slots are configured. */
  onState?(state: SupervisorState, workers: number): void;
  /** The launcher stops: release what the plugin holds. */
  stop?(): Promise<void>;
}

/** Supervisor.stop()'s options: `timeoutMs` defaults to graceful_shutdown_timeout (0: no bound). */
export interface SupervisorStopOptions extends StopOptions {
  /** Why, for the log line (a signal name, "ctl.js stop", ...). */
  readonly reason?: string;
  /**
   * Another process serves the listening socket now or soon (a handover, an inherited socket,
   * reuse_port): workers drain as on a reload, so no keep-alive connection is closed under a
   * request the client is sending; the ones given back go where the socket says.
   */
  readonly handBack?: boolean;
}

export type SupervisorState = 'starting' | 'running' | 'reloading' | 'scaling' | 'stopping' | 'stopped';

export interface SupervisorOptions {
  config: Config;
  logger: Logger;
  socket: ListenSocket;
  port: number;
  plugins?: SupervisorPlugin[];
  /** Re-reads the configuration for a reload; throws when it is invalid. */
  reloadConfig?: () => Config;
  /** Module each worker process runs (default: the framework's worker entry). */
  workerEntry?: string;
  /** Manager and app modules for workers whose config names none (the entry wiring's defaults). */
  defaults?: WorkerDefaults;
  /** Tell an IPC parent (pm2's `wait_ready`) with `process.send('ready')` once every worker serves. */
  notifyParent?: boolean;
  /** Every graceful stop drains as `handBack` does (the socket outlives this launcher: inherited, or reuse_port). */
  handBackOnStop?: boolean;
}

/** Modules a worker loads when `manager` / `app` are unset. */
export interface WorkerDefaults {
  manager?: string;
  app?: string;
}

/** The framework's worker entry module (compiled next to this file's folder). */
export const WORKER_ENTRY = fileURLToPath(new URL('../worker/entry.js', import.meta.url));
