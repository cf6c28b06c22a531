/**
 * Lower the scheduling priority of the calling worker thread, for pool task modules: a hashing
 * thread at nice 10 leaves the core to the event loop (HTTP, RPC) when both want it.
 *
 * Linux only: `/proc/thread-self` names the kernel thread id, and setpriority(2) on a thread id
 * affects that thread alone (piscina's `niceIncrement` does the same through a native addon).
 * Elsewhere, and on the main thread, it does nothing.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

let applied = false;

/** Raise this thread's nice value by `increment` once per thread; true when it was applied. */
export function lowerThreadPriority(increment = 19): boolean {
  if (applied || isMainThread) return applied;
  applied = true;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(threadId) || threadId <= 0) return false;
    setPriority(threadId, Math.min(19, getPriority(threadId) + increment));
    return true;
  } catch {
    // Not Linux, or no permission: run at the normal priority.
    return false;
  }
}
