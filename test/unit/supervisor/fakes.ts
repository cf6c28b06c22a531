/**
 * Small stand-ins for the supervisor's worker handles, for the unit tests of reload.ts,
 * scale.ts, spare.ts and operations.ts: they talk to their host interfaces only, so a handle
 * needs no process behind it.
 */
import type { WorkerHandle } from '../../../src/supervisor/worker-handle.js';

let nextPid = 1000;

/** A handle with the fields the operations read; `killed` records kill(). */
export function fakeHandle(slot: number, restarts = 0): WorkerHandle & { killed: boolean } {
  const handle = {
    slot,
    restarts,
    pid: nextPid++,
    state: 'ready',
    stopRequested: false,
    killed: false,
    kill() {
      handle.killed = true;
    },
  };
  return handle as unknown as WorkerHandle & { killed: boolean };
}
