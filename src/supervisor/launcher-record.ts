/**
 * The launcher's record in the private runtime folder (`launcher-<pid>.json`, see
 * src/control/launchers.ts): how oslo-node-ctl, oslo-node-rpc and getRpcTransport() find this
 * launcher by binary and port. Written once the launcher serves its control socket, rewritten
 * when a worker reports the binary (unset in the config: it comes from the manager's class),
 * removed on exit. A record that cannot be written is a warning: the launcher still serves, and
 * is reached by --control-socket / --pid-file and --embedded-socket.
 */
import type { Config } from '../config/options.js';
import { removeLauncherRecord, writeLauncherRecord, type LauncherRecord } from '../control/launchers.js';
import { controlSocketPathFor } from '../control/control-path.js';
import type { Logger } from '../logging/logger.js';
import { defaultEmbeddedSocketPath } from '../rpc/transports/embedded/socket-client.js';

export class LauncherRecordKeeper {
  readonly #logger: Logger;
  #record: LauncherRecord | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** The binary as known now (configured, or reported by a worker); null before either. */
  get binary(): string | null {
    return this.#record?.binary ?? null;
  }

  /** Write the record of a launcher serving `port` with `config`. */
  publish(config: Config, port: number): void {
    this.#write({
      pid: process.pid,
      binary: config.binary ?? this.binary,
      port,
      host: config.host,
      startedAt: new Date().toISOString(),
      controlSocket: controlSocketPathFor(config.control_socket),
      embeddedSocket: config.transport_url ? null : (config.embedded_socket ?? defaultEmbeddedSocketPath({ create: false })),
    });
  }

  /** A worker reported its service's binary: rewrite the record when it is news. */
  learnBinary(binary: string | undefined): void {
    const record = this.#record;
    if (!record || binary === undefined || binary === record.binary) return;
    this.#write({ ...record, binary });
  }

  /** Remove the record (the launcher exits). */
  remove(): void {
    if (this.#record) removeLauncherRecord(this.#record.pid);
    this.#record = undefined;
  }

  #write(record: LauncherRecord): void {
    this.#record = record;
    try {
      writeLauncherRecord(record);
    } catch (error) {
      this.#logger.warn(
        { err: error },
        'cannot write the launcher record: oslo-node-ctl and oslo-node-rpc reach this launcher only with --control-socket or --pid-file and --embedded-socket',
      );
    }
  }
}
