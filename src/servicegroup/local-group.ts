/**
 * The service group of a Service run on its own (no launcher): the Service is its own host
 * reporter, on its own transport (messaging) or database (db).
 */
import { ms } from '../config/durations.js';
import type { Config } from '../config/options.js';
import type { Logger } from '../logging/logger.js';
import type { Transport } from '../rpc/transports/transport.js';
import { createDriver } from './create-driver.js';
import { HostReporter, type WorkerRecord } from './host-reporter.js';
import type { Lifecycle, LifecycleState } from '../lifecycle/lifecycle.js';
import { isUpIn, type ServiceGroupMember } from './member.js';
import type { ServiceState } from './report.js';

export interface LocalServiceGroupOptions {
  config: Config;
  logger: Logger;
  /** The Service's transport, started by its owner. */
  transport: Transport;
  /** `report_interval` in ms (0: never report on a timer). */
  reportIntervalMs: number;
}

export class LocalServiceGroup implements ServiceGroupMember, Lifecycle {
  readonly #options: LocalServiceGroupOptions;
  #reporter: HostReporter | undefined;
  #record: WorkerRecord | undefined;
  #timer: NodeJS.Timeout | undefined;
  #state: LifecycleState = 'new';

  constructor(options: LocalServiceGroupOptions) {
    this.#options = options;
  }

  async register(record: WorkerRecord): Promise<void> {
    const { config, logger, transport } = this.#options;
    const driver = await createDriver(config, logger, async () => ({ transport, owned: false }));
    await driver.start();
    this.#reporter = new HostReporter({
      driver,
      logger,
      reportIntervalMs: this.#options.reportIntervalMs,
      serviceDownTimeMs: ms(config, 'service_down_time'),
    });
    this.#record = record;
    await this.#reporter.workerAlive(process.pid, record);
  }

  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  start(): void {
    if (this.#state === 'new') this.#state = 'running';
    const reporter = this.#reporter;
    const record = this.#record;
    const intervalMs = this.#options.reportIntervalMs;
    if (!reporter || !record || intervalMs <= 0 || this.#timer) return;
    reporter.start();
    // Alive just before each report: a Service that runs is a live worker of its own host.
    this.#timer = setInterval(() => void reporter.workerAlive(process.pid, record), intervalMs / 2);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#reporter?.stop({ leave: true });
    await this.#reporter?.driver.stop();
  }

  services(): Promise<ServiceState[]> {
    return this.#reporter ? this.#reporter.services() : Promise.resolve([]);
  }

  isUp(host: string, binary: string): Promise<boolean> {
    return isUpIn(this, host, binary);
  }

  async setDisabled(host: string, binary: string, disabled: boolean, reason: string | null): Promise<void> {
    await this.#reporter?.setDisabled({ host, binary, disabled, reason: disabled ? reason : null });
  }
}
