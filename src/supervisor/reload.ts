/**
 * The rolling restart behind SIGHUP: one slot at a time, start the replacement, wait until it
 * serves, then drain the old worker. At every moment at least N workers accept, so no request
 * is refused or cut (oslo's reload SIGTERMs every child at once; pm2's reload drops connections).
 */
import type { Logger } from '../logging/logger.js';
import type { WorkerHandle } from './worker-handle.js';

/** What the rolling restart needs from the supervisor. */
export interface ReloadHost {
  readonly logger: Logger;
  /** The serving worker of each slot, at the start of the reload. */
  slots(): Array<[number, WorkerHandle]>;
  spawn(slot: number, restarts: number): WorkerHandle;
  waitReady(handle: WorkerHandle): Promise<boolean>;
  /** Make `fresh` the slot's worker and tell `old` to drain. */
  swap(slot: number, fresh: WorkerHandle, old: WorkerHandle): void;
  /** Resolve when `handle` exited, killing it after `timeoutMs`. */
  boundedExit(handle: WorkerHandle, timeoutMs: number): Promise<void>;
  /** False once a stop began: the reload gives way. */
  stillReloading(): boolean;
}

export type ReloadOutcome = 'complete' | 'aborted' | 'interrupted';

/** Replace every slot's worker in turn; see the file comment. */
export async function rollingRestart(host: ReloadHost, drainTimeoutMs: number): Promise<ReloadOutcome> {
  for (const [slot, old] of host.slots()) {
    if (!host.stillReloading()) return 'interrupted';
    const fresh = host.spawn(slot, old.restarts);
    if (!(await host.waitReady(fresh))) {
      host.logger.error({ slot }, 'reload aborted: the replacement worker did not become ready; the old one keeps serving');
      return 'aborted';
    }
    if (!host.stillReloading()) return 'interrupted';
    host.swap(slot, fresh, old);
    await host.boundedExit(old, drainTimeoutMs);
  }
  return 'complete';
}
