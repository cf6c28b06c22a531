/**
 * What a worker builds before it has a slot (issue 16, part 5): the configuration, the logger,
 * and the RPC transport with its link open (the embedded router's hello answered, or the AMQP
 * connection up), plus the notification transport. None of these depends on the slot, so a
 * spare taking a dead worker's slot is left with the slot's own work: build the manager and the
 * app (both are told their slot), start consuming, say ready. Start errors are kept for the real
 * start, which reports them as it always did.
 */
import { configFromJson } from '../config/load.js';
import type { Config } from '../config/options.js';
import type { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerInit, WorkerPayload, WorkerPreload } from '../ipc/messages.js';
import { createLogger, type LogFormat, type Logger } from '../logging/logger.js';
import { notifierFromConfig, type ConfiguredNotifier } from '../notify/from-config.js';
import type { Transport } from '../rpc/transports/transport.js';
import { createTransport } from './transport-factory.js';

/** The connections a worker opened before its slot, and the configuration they were made for. */
export interface Connections {
  readonly transport: Transport;
  readonly notifications: ConfiguredNotifier;
  /** Settles once both are started; rejects with the start error (handled: read it by awaiting). */
  readonly started: Promise<void>;
}

export interface HeadStart {
  readonly config: Config;
  /** The process logger, not bound to a slot (`forSlot` binds it). */
  readonly processLogger: Logger;
  /** The logger the connections log with: bound to `slot` when the preload named one. */
  readonly logger: Logger;
  readonly slot: number | undefined;
  readonly connections: Connections | undefined;
  /** The options as the primary sent them (but `workers`), to compare with the slot's. */
  readonly configJson: string;
}

/** Build and start what does not depend on the slot. Throws only for a configuration it cannot read. */
export async function headStart(preload: WorkerPreload, channel: IpcChannel<PrimaryPayload, WorkerPayload>): Promise<HeadStart> {
  const config = configFromJson(preload.config);
  const processLogger = createLogger({ level: config.log_level, async: true, format: config.log_format as LogFormat });
  const logger = preload.slot === undefined ? processLogger : forSlot(processLogger, preload.slot);
  // Transports that cannot even be built (a bad URL) are left for the real start to report.
  const connections = await openConnections(config, channel, logger).catch(() => undefined);
  return { config, processLogger, logger, slot: preload.slot, connections, configJson: connectionOptions(preload.config) };
}

/** The options as JSON without `workers`, which a scale changes and no connection depends on. */
function connectionOptions(config: Record<string, unknown>): string {
  return JSON.stringify({ ...config, workers: undefined });
}

/** Build the transports for `config` and start them (see `started`). */
export async function openConnections(
  config: Config,
  channel: IpcChannel<PrimaryPayload, WorkerPayload>,
  logger: Logger,
): Promise<Connections> {
  const transport = await createTransport(config, channel, logger);
  const notifications = await notifierFromConfig(config, transport, logger);
  const started = Promise.all([transport.start(), notifications.start()]).then(() => undefined);
  started.catch(() => undefined); // read by whoever awaits it; never an unhandled rejection
  return { transport, notifications, started };
}

/**
 * The connections to use for `init`: the head start's when the slot's options (but `workers`)
 * are the ones they were opened with, else undefined: those are closed, and the worker connects
 * afresh. (A reload discards the spare, so the options seldom differ.)
 */
export function connectionsFor(head: HeadStart | undefined, init: WorkerInit): Connections | undefined {
  if (!head?.connections) return undefined;
  if (head.configJson === connectionOptions(init.config)) {
    // A spare opened them before it had a slot (or for another one): their lines carry it from
    // now on (a second `worker` key in a JSON line: the last one counts).
    if (head.slot !== init.slot) {
      head.connections.transport.bindLogs?.({ worker: init.slot });
      head.connections.notifications.ownTransport?.bindLogs?.({ worker: init.slot });
    }
    return head.connections;
  }
  void head.connections.started.then(
    () => Promise.allSettled([head.connections!.transport.stop(), head.connections!.notifications.stop()]),
    () => undefined,
  );
  return undefined;
}

/** The logger of the worker in `slot`. */
export function forSlot(logger: Logger, slot: number): Logger {
  return logger.child({ worker: slot });
}

/** The head start's logger for `slot`: the one already bound to it, or the process logger bound now. */
export function headLoggerFor(head: HeadStart, slot: number): Logger {
  return head.slot === slot ? head.logger : forSlot(head.processLogger, slot);
}
