/**
 * Forking one worker process and answering what it asks over IPC: its preload, its slot (the
 * `hello` answer, held back for a spare until it is given one), its ready, stopping, heartbeat
 * and given-back connections. What each answer changes in the launcher is the host's business.
 */
import cluster from 'node:cluster';
import type { Socket } from 'node:net';
import { ms } from '../config/durations.js';
import type { Config } from '../config/options.js';
import type { WorkerInfo, WorkerInit } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';
import type { Spare } from './spare.js';
import type { WorkerDefaults } from './supervisor-options.js';
import { WorkerHandle } from './worker-handle.js';
import { workerPreload } from './worker-init.js';

export interface WorkerForkHost {
  readonly logger: Logger;
  readonly defaults: WorkerDefaults;
  config(): Config;
  /** A connection the worker did not take: give it to another. */
  redispatch(socket: Socket): void;
  /** The worker acknowledged a connection: held ones may go out now. */
  flushHeld(): void;
  /** An idle keep-alive connection the worker gave back (its message's IPC handle). */
  takeBack(handle: unknown): void;
  /** The worker's `ready`: its service's binary and its RSS then. */
  onReady(handle: WorkerHandle, binary: string | undefined, rssBytes: number | undefined): void;
  /** The worker says it stops (it may have been signalled alone): no more connections. */
  onStopping(handle: WorkerHandle): void;
  workers(): WorkerInfo[];
}

/** Fork a worker process whose `hello` is answered only by `activate` (see spare.ts). */
export function forkWorker(host: WorkerForkHost): Spare {
  const config = host.config();
  const { logger } = host;
  const handle = new WorkerHandle({
    worker: cluster.fork(),
    onUndelivered: (socket) => {
      logger.debug({ workerPid: handle.pid }, 'a worker did not take a connection; handing it to another');
      host.redispatch(socket);
    },
    handoff: { ackTimeoutMs: ms(config, 'handoff_ack_timeout'), maxUnacked: config.handoff_max_unacked },
    onAcknowledged: () => host.flushHeld(),
    logger,
  });
  let activate!: (init: WorkerInit) => void;
  const activation = new Promise<WorkerInit>((resolve) => (activate = resolve));
  handle.channel
    .handle('preload', () => workerPreload(host.config(), host.defaults, handle.slot))
    .handle('hello', () => {
      handle.greeted = true;
      if (handle.slot === 0) logger.info({ workerPid: handle.pid }, 'spare worker loaded and waiting');
      return activation;
    })
    .handle('ready', (message) => host.onReady(handle, message.binary, message.rssBytes))
    .handle('stopping', () => {
      handle.markStopping();
      host.onStopping(handle);
    })
    .handle('heartbeat', (message) => handle.heard(message.activity))
    .handle('connection-back', (_message, socket) => host.takeBack(socket))
    .handle('list-workers', () => host.workers());
  return { handle, activate };
}
