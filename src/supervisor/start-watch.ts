/**
 * A starting worker's two outcomes besides "ready":
 * - worker_start_timeout: a worker that says nothing for that long is killed (a failed start).
 *   A worker waiting for something outside (the broker, retried with oslo's backoff) reports
 *   each attempt with `start-waiting`, and the timeout counts again from there plus the wait
 *   and the next attempt's own bound it announced: waiting for the broker is not hanging, and
 *   kills nothing, even when the broker, still booting, is slow to answer the next attempt.
 * - `start-failed` with `permanent` (a configuration the broker refuses, bad credentials): a
 *   restart cannot fix it, so the launcher stops at once and exits 2 instead of crash-looping.
 */
import type { Logger } from '../logging/logger.js';
import type { WorkerHandle } from './worker-handle.js';

export interface StartWatchOptions {
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** A permanent start failure: stop the launcher with exit 2. */
  readonly onPermanentFailure: (error: string) => void;
}

/** Follow `handle` until it is ready or gone. */
export function watchStart(handle: WorkerHandle, options: StartWatchOptions): void {
  const { logger, timeoutMs } = options;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (handle.state !== 'starting') return;
      logger.error(
        { slot: handle.slot, workerPid: handle.pid, startTimeoutMs: timeoutMs },
        'worker did not become ready in time; killing it',
      );
      handle.kill();
    }, ms);
  };
  arm(timeoutMs);
  void handle.exited.then(() => clearTimeout(timer));
  handle.channel
    .handle('start-waiting', (message) => {
      if (handle.state !== 'starting') return;
      logger.debug(
        { slot: handle.slot, workerPid: handle.pid, waitingFor: message.waitingFor, attempt: message.attempt },
        'worker still starting: waiting',
      );
      // The wait, then the next attempt (up to its own timeout), then the start's own time.
      arm(timeoutMs + message.nextDelayMs + (message.attemptTimeoutMs ?? 0));
    })
    .handle('start-failed', (message) => {
      logger.error(
        { slot: handle.slot, workerPid: handle.pid, error: message.error, permanent: message.permanent === true },
        'worker failed to start',
      );
      if (message.permanent) options.onPermanentFailure(message.error);
    });
}
