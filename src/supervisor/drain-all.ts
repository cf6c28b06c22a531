/**
 * The graceful part of the launcher's stop: every worker that greeted is asked to drain within
 * the bound, the spare and the workers still loading their code (no work held, maybe not yet
 * listening for `stop`) are killed. Resolves once all of them exited: true when every drained
 * worker exited 0.
 */
import type { StopReason } from '../ipc/messages.js';
import type { WorkerHandle } from './worker-handle.js';

export async function drainAll(
  live: Iterable<WorkerHandle>,
  spare: WorkerHandle | undefined,
  timeoutMs: number,
  reason: StopReason = 'shutdown',
): Promise<boolean> {
  const others = [...live].filter((handle) => handle !== spare);
  const loading = others.filter((handle) => !handle.greeted);
  for (const handle of loading) handle.kill();
  const draining = others.filter((handle) => handle.greeted);
  for (const handle of draining) handle.requestStop(reason, timeoutMs);
  const exits = await Promise.all(draining.map((handle) => handle.exited));
  await Promise.all([spare?.exited, ...loading.map((handle) => handle.exited)]);
  return exits.every((exit) => exit.code === 0);
}
