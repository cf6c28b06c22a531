/**
 * The worker's side of the liveness heartbeat (src/ipc/heartbeat.ts): a beat every period, from
 * an unref'd timer of the worker's own event loop, carrying what the worker is doing.
 */
import type { IpcChannel } from '../ipc/channel.js';
import type { WorkerActivity } from '../ipc/heartbeat.js';
import type { PrimaryPayload, WorkerPayload } from '../ipc/messages.js';

/** Beat every `periodMs` until the returned function is called (0: never beat). */
export function startHeartbeat(
  channel: IpcChannel<PrimaryPayload, WorkerPayload>,
  periodMs: number,
  activity: () => Omit<WorkerActivity, 'loopDelayMs'>,
): () => void {
  if (periodMs <= 0) return () => {};
  let last = performance.now();
  const beat = (loopDelayMs: number): void => void channel.send({ type: 'heartbeat', activity: { ...activity(), loopDelayMs } });
  // One at once: the launcher knows what the worker does from its first moment of service.
  beat(0);
  const timer = setInterval(() => {
    const now = performance.now();
    beat(Math.max(0, Math.round(now - last - periodMs)));
    last = now;
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
