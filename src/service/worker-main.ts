/**
 * A cluster worker's bootstrap: wait for `init` from the primary, build the runtime, report
 * ready, take connections, stop when told. A worker whose IPC channel drops exits at once: the
 * primary is gone (even by SIGKILL), and no orphan may outlive it (node's `_setupWorker` rule).
 */
import type { Socket } from 'node:net';
import { configFromJson, loggableConfig } from '../config/load.js';
import { describeError } from '../errors.js';
import { IpcChannel, type IpcEndpoint } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerInit, WorkerPayload } from '../ipc/messages.js';
import { createLogger, flushLogs, type Logger } from '../logging/logger.js';
import { createWorkerRuntime, type WorkerRuntime } from './worker-runtime.js';

/** Start the worker side of the launcher. */
export function runWorker(): void {
  const channel = new IpcChannel<PrimaryPayload, WorkerPayload>(process as unknown as IpcEndpoint);
  let logger: Logger | undefined;
  let runtime: WorkerRuntime | undefined;
  let stopping: Promise<void> | undefined;

  const exit = (code: number): never => {
    flushLogs();
    process.exit(code);
  };
  // Prepended: node's cluster exits the worker from its own 'disconnect' listener; log first.
  process.prependListener('disconnect', () => {
    if (stopping) return;
    logger?.warn('IPC channel to the primary closed unexpectedly; exiting now');
    exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger?.fatal({ err: error }, 'uncaught exception in worker; exiting');
    exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger?.fatal({ err: reason }, 'unhandled promise rejection in worker; exiting');
    exit(1);
  });

  const stop = (reason: string, timeoutMs: number): Promise<void> => {
    stopping ??= (async () => {
      channel.send({ type: 'stopping' });
      logger?.info({ reason, timeoutMs }, 'worker stopping');
      const clean = runtime ? await runtime.stop(reason, timeoutMs) : true;
      logger?.info({ clean }, 'worker stopped');
      channel.close('worker stopped');
      exit(clean ? 0 : 1);
    })();
    return stopping;
  };

  const start = async (init: WorkerInit): Promise<void> => {
    const config = configFromJson(init.config);
    logger = createLogger({ level: config.log_level, workerId: init.slot, async: true });
    logger.debug({ config: loggableConfig(config) }, 'worker configuration');
    // The primary coordinates stops; a signal sent to this worker alone drains just this worker.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => void stop(signal, config.graceful_shutdown_timeout * 1000));
    }
    // SIGHUP to the launcher is a rolling restart; SIGHUP to one worker runs the manager's reset()
    // hook in place (oslo's `mutate` restart method, for this worker only).
    process.on('SIGHUP', () => {
      logger?.info('SIGHUP: running the manager reset hook');
      runtime?.reset().catch((error: unknown) => logger?.error({ err: error }, 'manager reset failed'));
    });
    try {
      runtime = await createWorkerRuntime({ init, config, logger, channel });
      await runtime.start();
    } catch (error) {
      logger.fatal({ err: error }, `worker failed to start: ${describeError(error)}`);
      channel.send({ type: 'start-failed', error: describeError(error) });
      await runtime?.stop('start failed', 1000).catch(() => undefined);
      exit(1);
    }
    if (stopping) return;
    channel.send({ type: 'ready' });
  };
  // The answer is the primary's acknowledgement: true, the connection is this worker's; false,
  // the primary gives it to another worker (this copy's descriptor is closed, the client's
  // connection stays open through the primary's).
  channel.handle('connection', (_message, handle) => {
    const socket = handle as Socket | undefined;
    if (!socket) return false;
    if (!runtime || stopping) {
      socket.destroy();
      return false;
    }
    runtime.handleConnection(socket);
    return true;
  });
  channel.handle('stop', (message) => void stop(message.reason, message.timeoutMs));

  // No timeout: a spare waits here, loaded, until the primary gives it a slot.
  channel.request<WorkerInit>({ type: 'hello' }, 0).then(start, (error: unknown) => {
    process.stderr.write(`worker ${process.pid}: no answer from the primary: ${describeError(error)}\n`);
    exit(1);
  });
}
