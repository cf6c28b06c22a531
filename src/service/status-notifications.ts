/**
 * `service.update` notifications (nova's ServiceStatusNotification): this service's own when it
 * has started and when it stops, and, like nova's `Service.save()`, one from the process that
 * disables or enables a service. Publisher `BINARY.HOST` of this service, priority info. Sent
 * only when a notification driver is configured; a send never fails the service (the Notifier
 * logs), and the one at stop is bounded so a broker outage cannot hold the stop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Notifier } from '../notify/notifier.js';
import type { ServiceRecord } from './manager.js';

/** How long the stop waits for its `service.update` to be confirmed. */
const STOP_NOTIFY_BOUND_MS = 2000;

/** `state`: what changed (`up` after start, `disabled`, `enabled`, `down` at stop). */
export type ServiceUpdateState = 'up' | 'disabled' | 'enabled' | 'down';

export class ServiceStatusNotifier {
  readonly #notifier: Notifier;
  readonly #record: ServiceRecord;

  constructor(notifier: Notifier, record: ServiceRecord) {
    this.#notifier = notifier.prepare({ publisherId: `${record.binary}.${record.host}` });
    this.#record = record;
  }

  /** This service started (`up`) or stops (`down`). Never rejects. */
  emit(state: 'up' | 'down'): Promise<void> {
    const { host, binary, topic, version } = this.#record;
    return this.#send({ host, binary, topic, version, state, pid: process.pid });
  }

  /** `host`/`binary` was disabled or enabled by this process. Never rejects. */
  emitChange(target: { host: string; binary: string }, disabled: boolean, reason: string | null): Promise<void> {
    const own = target.host === this.#record.host && target.binary === this.#record.binary;
    return this.#send({
      host: target.host,
      binary: target.binary,
      ...(own ? { topic: this.#record.topic, version: this.#record.version } : {}),
      state: disabled ? 'disabled' : 'enabled',
      disabled,
      disabled_reason: disabled ? reason : null,
    });
  }

  /** The stop's notification, waited for at most a bound. */
  async emitStopped(): Promise<void> {
    const timer = new AbortController();
    await Promise.race([this.emit('down'), sleep(STOP_NOTIFY_BOUND_MS, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
  }

  #send(payload: Record<string, unknown> & { state: ServiceUpdateState }): Promise<void> {
    if (!this.#notifier.enabled) return Promise.resolve();
    return this.#notifier.info({}, 'service.update', payload);
  }
}
