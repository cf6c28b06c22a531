/**
 * A cluster worker's bootstrap: wait for `init` from the primary, build the runtime, report
 * ready, take connections, stop when told. A worker whose IPC channel drops exits at once: the
 * primary is gone (even by SIGKILL), and no orphan may outlive it (node's `_setupWorker` rule).
 */
import { ms } from '../config/durations.js';
import type { Socket } from 'node:net';
import { configFromJson, loggableConfig } from '../config/load.js';
import type { Config } from '../config/options.js';
import { ConfigError, describeError } from '../errors.js';
import { IpcChannel, type IpcEndpoint } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerInit, WorkerPayload, WorkerPreload } from '../ipc/messages.js';
import { heartbeatPeriodMs } from '../ipc/heartbeat.js';
import { createLogger, flushLogs, type LogFormat, type Logger } from '../logging/logger.js';
import { startHeartbeat } from './heartbeat-sender.js';
import { connectionsFor, forSlot, headLoggerFor, headStart, type HeadStart } from './head-start.js';
import { preloadModules } from './preload.js';
import { createWorkerRuntime, type WorkerRuntime, type WorkerStopOptions } from './worker-runtime.js';

type WorkerChannel = IpcChannel<PrimaryPayload, WorkerPayload>;

/** How long a failed start waits for the primary to acknowledge its `start-failed`. */
const START_FAILED_ACK_MS = 5000;

/** The reason as one line: the launcher prints it on stderr as one. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * A start failure no restart can fix: a configuration error, the broker refusing what we ask (a
 * declaration, the credentials), or a user module that cannot be loaded (a ModuleLoadError: the
 * manager, app or a periodic task's pool module is missing, throws at import, or exports nothing
 * usable): errors that say so with `permanent`.
 */
function isPermanent(error: unknown): boolean {
  return error instanceof ConfigError || (error as { permanent?: unknown } | undefined)?.permanent === true;
}

/** One worker process: its channel to the primary, and what it has built so far. */
class WorkerProcess {
  readonly channel: WorkerChannel = new IpcChannel<PrimaryPayload, WorkerPayload>(process as unknown as IpcEndpoint);
  logger: Logger | undefined;
  /** What was built before the slot (a spare's head start). */
  head: HeadStart | undefined;
  runtime: WorkerRuntime | undefined;
  stopping: Promise<void> | undefined;

  exit(code: number): never {
    flushLogs();
    process.exit(code);
  }

  /** A dropped channel or an uncaught error ends the process at once. */
  installGuards(): void {
    // Prepended: node's cluster exits the worker from its own 'disconnect' listener; log first.
    process.prependListener('disconnect', () => {
      if (this.stopping) return;
      this.logger?.warn('IPC channel to the primary closed unexpectedly; exiting now');
      this.exit(1);
    });
    process.on('uncaughtException', (error) => {
      this.logger?.fatal({ err: error }, 'uncaught exception in worker; exiting');
      this.exit(1);
    });
    process.on('unhandledRejection', (reason) => {
      this.logger?.fatal({ err: reason }, 'unhandled promise rejection in worker; exiting');
      this.exit(1);
    });
  }

  /** Signals sent to this worker alone: SIGTERM/SIGINT drain it, SIGHUP runs the reset hook. */
  installSignals(config: Config): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => void this.stop({ reason: signal, timeoutMs: ms(config, 'graceful_shutdown_timeout') }));
    }
    // SIGHUP to the launcher is a rolling restart; SIGHUP to one worker runs the manager's reset()
    // hook in place (oslo's `mutate` restart method, for this worker only).
    process.on('SIGHUP', () => {
      this.logger?.info('SIGHUP: running the manager reset hook');
      this.runtime?.reset().catch((error: unknown) => this.logger?.error({ err: error }, 'manager reset failed'));
    });
  }

  stop({ reason, timeoutMs }: WorkerStopOptions): Promise<void> {
    this.stopping ??= (async () => {
      this.channel.send({ type: 'stopping' });
      this.logger?.info({ reason, timeoutMs }, 'worker stopping');
      const clean = this.runtime ? await this.runtime.stop({ reason, timeoutMs }) : true;
      this.logger?.info({ clean }, 'worker stopped');
      this.channel.close('worker stopped');
      this.exit(clean ? 0 : 1);
    })();
    return this.stopping;
  }

  /**
   * Before the slot: import the modules, build the logger, open the connections, and wait until
   * they are open (or failed: the real start reports it), so that `hello` means "loaded".
   */
  async prepare(preload: WorkerPreload): Promise<void> {
    await preloadModules(preload);
    try {
      this.head = await headStart(preload, this.channel);
    } catch {
      return; // a configuration it cannot read: the real start reports it
    }
    await this.head.connections?.started.catch(() => undefined);
    this.head.logger.debug({ transport: this.head.connections?.transport.kind }, 'connections opened before taking a slot');
  }

  async start(init: WorkerInit): Promise<void> {
    const connections = connectionsFor(this.head, init);
    const config = connections ? this.head!.config : configFromJson(init.config);
    const logger = this.head
      ? headLoggerFor(this.head, init.slot)
      : forSlot(createLogger({ level: config.log_level, async: true, format: config.log_format as LogFormat }), init.slot);
    this.logger = logger;
    if (logger.isLevelEnabled('debug'))
      logger.debug({ config: loggableConfig(config), headStart: connections !== undefined }, 'worker configuration');
    // The primary coordinates stops; a signal sent to this worker alone drains just this worker.
    this.installSignals(config);
    try {
      this.runtime = await createWorkerRuntime({ init, config, logger, channel: this.channel, connections });
      await this.runtime.start();
    } catch (error) {
      const permanent = isPermanent(error);
      const reason = oneLine(describeError(error));
      logger.fatal({ err: error, permanent }, `worker failed to start: ${reason}`);
      // A request, not a send: its answer says the primary has it before this process exits (a
      // message sent just before process.exit can be lost), so it never reads the exit as a crash.
      const told = this.channel.request({ type: 'start-failed', error: reason, permanent }, START_FAILED_ACK_MS).catch(() => undefined);
      await Promise.all([told, this.runtime?.stop({ reason: 'start failed', timeoutMs: 1000 }).catch(() => undefined)]);
      this.exit(permanent ? 2 : 1);
    }
    if (this.stopping) return;
    const runtime = this.runtime!;
    this.channel.send({ type: 'ready', binary: runtime.binary, rssBytes: process.memoryUsage.rss() });
    // From ready on, the launcher replaces this worker if its event loop stops beating.
    startHeartbeat(this.channel, heartbeatPeriodMs(ms(config, 'worker_heartbeat_timeout')), () => runtime.activity());
  }

  /**
   * The answer is the primary's acknowledgement: true, the connection is this worker's; false,
   * the primary gives it to another worker (this copy's descriptor is closed, the client's
   * connection stays open through the primary's).
   */
  takeConnection(handle: unknown): boolean {
    const socket = handle as Socket | undefined;
    if (!socket) return false;
    if (!this.runtime || this.stopping) {
      socket.destroy();
      return false;
    }
    this.runtime.handleConnection(socket);
    return true;
  }
}

/** Start the worker side of the launcher. */
export function runWorker(): void {
  const worker = new WorkerProcess();
  worker.installGuards();
  worker.channel.handle('connection', (_message, handle) => worker.takeConnection(handle));
  worker.channel.handle('stop', (message) => void worker.stop({ reason: message.reason, timeoutMs: message.timeoutMs }));
  // Modules and connections first (a spare's head start), then `hello`, whose answer is the
  // slot: with no timeout, a spare waits there, loaded and connected, until it is given one.
  void worker.channel
    .request<WorkerPreload>({ type: 'preload' }, 0)
    .then(
      (preload) => worker.prepare(preload),
      () => undefined,
    )
    .then(() => worker.channel.request<WorkerInit>({ type: 'hello' }, 0))
    .then(
      (init) => worker.start(init),
      (error: unknown) => {
        process.stderr.write(`worker ${process.pid}: no answer from the primary: ${describeError(error)}\n`);
        worker.exit(1);
      },
    );
}
