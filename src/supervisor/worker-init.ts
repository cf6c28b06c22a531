/**
 * What the primary tells a worker: before it has a slot (the answer to its `preload`) and when
 * it takes one (its WorkerInit). Both carry the launcher's options and the default app.
 */
import type { Config } from '../config/options.js';
import type { WorkerInit, WorkerPreload } from '../ipc/messages.js';
import type { WorkerDefaults } from './supervisor-options.js';

/**
 * The preload answer for a worker in `slot` (0: a spare). The slot is sent when known, so that
 * what the worker logs before it starts (broker retries) names it; a spare learns it later.
 */
export function workerPreload(config: Config, defaults: WorkerDefaults, slot: number): WorkerPreload {
  return { config: { ...config }, defaultManager: defaults.manager, defaultApp: defaults.app, ...(slot === 0 ? {} : { slot }) };
}

/** The WorkerInit of the worker that takes `slot`. */
export function workerInit(config: Config, defaults: WorkerDefaults, slot: number): WorkerInit {
  return { ...workerPreload(config, defaults, slot), slot, workers: config.workers };
}
