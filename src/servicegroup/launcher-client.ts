/**
 * A launcher worker's side of the service group: it tells the launcher it is alive over IPC
 * and asks it for the table; the launcher reports once for the host (see
 * supervisor/plugins/servicegroup-plugin.ts). No worker talks to the broker's `servicegroup` topic or
 * the database for this, so members are hosts, and a database outage cannot reach a worker.
 */
import type { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerPayload } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';
import { ServiceGroupUnavailableError, ServiceNotFoundError } from './errors.js';
import type { WorkerRecord } from './host-reporter.js';
import type { Lifecycle, LifecycleState } from '../lifecycle/lifecycle.js';
import { isUpIn, type ServiceGroupMember } from './member.js';
import type { ServiceState } from './report.js';

/** How a disable/enable came out, as the launcher answers it. */
export type DisableOutcome = { ok: true } | { ok: false; code: 'not-found' | 'unavailable'; message: string };

const ANSWER_TIMEOUT_MS = 15_000;

export class LauncherServiceGroup implements ServiceGroupMember, Lifecycle {
  readonly #channel: IpcChannel<PrimaryPayload, WorkerPayload>;
  readonly #logger: Logger;
  readonly #reportIntervalMs: number;
  #record: WorkerRecord | undefined;
  #timer: NodeJS.Timeout | undefined;
  #state: LifecycleState = 'new';

  constructor(options: { channel: IpcChannel<PrimaryPayload, WorkerPayload>; logger: Logger; reportIntervalMs: number }) {
    this.#channel = options.channel;
    this.#logger = options.logger.child({ component: 'servicegroup' });
    this.#reportIntervalMs = options.reportIntervalMs;
  }

  async register(record: WorkerRecord): Promise<void> {
    this.#record = record;
    await this.#channel
      .request({ type: 'servicegroup-alive', record }, ANSWER_TIMEOUT_MS)
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'the launcher did not confirm the first service report'));
  }

  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  start(): void {
    if (this.#state === 'new') this.#state = 'running';
    const record = this.#record;
    const intervalMs = this.#reportIntervalMs;
    if (!record || intervalMs <= 0 || this.#timer) return;
    // Twice per interval: the launcher's report always finds this worker's word fresh.
    this.#timer = setInterval(() => void this.#channel.send({ type: 'servicegroup-alive', record }), intervalMs / 2);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#channel.send({ type: 'servicegroup-leave' });
  }

  async services(): Promise<ServiceState[]> {
    try {
      return await this.#channel.request<ServiceState[]>({ type: 'servicegroup-services' }, ANSWER_TIMEOUT_MS);
    } catch (error) {
      throw new ServiceGroupUnavailableError(`the launcher did not answer with the service group: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  isUp(host: string, binary: string): Promise<boolean> {
    return isUpIn(this, host, binary);
  }

  async setDisabled(host: string, binary: string, disabled: boolean, reason: string | null): Promise<void> {
    let outcome: DisableOutcome;
    try {
      outcome = await this.#channel.request<DisableOutcome>(
        { type: 'servicegroup-set-disabled', request: { host, binary, disabled, reason: disabled ? reason : null } },
        ANSWER_TIMEOUT_MS,
      );
    } catch (error) {
      throw new ServiceGroupUnavailableError(`the launcher did not answer: ${(error as Error).message}`, { cause: error });
    }
    if (outcome.ok) return;
    if (outcome.code === 'not-found') throw new ServiceNotFoundError(host, binary);
    throw new ServiceGroupUnavailableError(outcome.message);
  }
}
