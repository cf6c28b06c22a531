/**
 * Changing the number of workers at runtime (`ctl.js scale N`, or `workers` changed in the
 * config file and SIGHUP). New slots start at once and the change is done when every one of
 * them serves; removed slots (the highest) leave the rotation and drain like a reload's old
 * workers, handing idle keep-alive connections back, so no request fails.
 */
import type { Logger } from '../logging/logger.js';
import type { OperationResult } from '../control/control-protocol.js';
import type { WorkerHandle } from './worker-handle.js';

/** What scaling needs from the supervisor. */
export interface ScaleHost {
  readonly logger: Logger;
  /** Slot numbers served now. */
  slots(): number[];
  /** Start a worker for a new slot and make it the slot's worker. */
  startSlot(slot: number): WorkerHandle;
  waitReady(handle: WorkerHandle): Promise<boolean>;
  /** Take the slot out of service and tell its worker to drain; returns that worker. */
  retireSlot(slot: number): WorkerHandle | undefined;
  /** Resolve when `handle` exited, killing it after `timeoutMs`. */
  boundedExit(handle: WorkerHandle, timeoutMs: number): Promise<void>;
}

/** Grow or shrink to `target` slots; see the file comment. */
export async function scaleTo(host: ScaleHost, target: number, drainTimeoutMs: number): Promise<OperationResult> {
  const slots = host.slots().sort((a, b) => a - b);
  if (target > slots.length) {
    const added = Array.from({ length: target - slots.length }, (_, i) => host.startSlot(slots.length + i + 1));
    const ready = await Promise.all(added.map((handle) => host.waitReady(handle)));
    const failed = added.filter((_, i) => !ready[i]).map((handle) => handle.slot);
    if (failed.length > 0)
      return { ok: false, reason: `worker slot ${failed.join(', ')} did not become ready (the launcher keeps restarting it; see its log)` };
    host.logger.info({ workers: target }, `scaled up to ${target} workers`);
    return { ok: true };
  }
  const retired = slots
    .filter((slot) => slot > target)
    .map((slot) => host.retireSlot(slot))
    .filter((handle): handle is WorkerHandle => handle !== undefined);
  await Promise.all(retired.map((handle) => host.boundedExit(handle, drainTimeoutMs)));
  host.logger.info({ workers: target }, `scaled down to ${target} workers`);
  return { ok: true };
}
