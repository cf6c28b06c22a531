/**
 * oslo.messaging's Notifier: `audit`, `debug`, `info`, `warn`/`warning`, `error`, `critical` and
 * `sample` (ctx, eventType, payload) through every configured driver, and `prepare()` for a
 * sibling with another publisher id or retry that shares the drivers.
 *
 * As in oslo, a driver that fails is logged and the call still resolves (a notification never
 * breaks the work that emits it); `throwOnError` makes the call reject instead (the CLI).
 */
import { silentLogger, type Logger } from '../logging/logger.js';
import type { RequestContext } from '../rpc/context.js';
import { NoOpSerializer, type Serializer } from '../rpc/serializer.js';
import type { Transport } from '../rpc/transports/transport.js';
import { createDriver, DRIVER_NAMES, type DriverName, type NotificationDriver } from './drivers.js';
import { buildMessage, sanitizeContext } from './message.js';
import { wirePriority, type Priority } from './priorities.js';
import { InvalidArgumentError } from '../errors.js';

export interface NotifierOptions {
  /** `publisher_id` of every notification, e.g. `compute.host1`. */
  readonly publisherId?: string | null;
  /** One driver name or several (oslo's `driver` option); default `messagingv2`. */
  readonly driver?: DriverName | readonly DriverName[];
  /** Topics to send on (`[oslo_messaging_notifications] topics`); default `notifications`. */
  readonly topics?: readonly string[];
  readonly serializer?: Serializer;
  /** Re-send attempts after a recoverable error: 0 none, -1 (default) until sent. */
  readonly retry?: number;
  /** Exchange notifications go to (`control_exchange`, "openstack"). */
  readonly controlExchange?: string;
  /** Reject when a driver fails, instead of logging it (oslo logs). */
  readonly throwOnError?: boolean;
  readonly logger?: Logger;
}

interface Shared {
  readonly drivers: readonly NotificationDriver[];
  readonly serializer: Serializer;
  readonly throwOnError: boolean;
  readonly logger: Logger;
}

function checkRetry(retry: number): number {
  if (!Number.isInteger(retry) || retry < -1) throw new InvalidArgumentError(`retry must be an integer >= -1, not ${retry}`);
  return retry;
}

export class Notifier {
  readonly publisherId: string | null;
  readonly retry: number;
  readonly #shared: Shared;

  /** `transport` may be undefined when only the log and noop drivers are used. */
  constructor(transport: Transport | undefined, options: NotifierOptions = {}, shared?: Shared) {
    this.publisherId = options.publisherId ?? null;
    this.retry = checkRetry(options.retry ?? -1);
    if (shared) {
      this.#shared = shared;
      return;
    }
    const names =
      options.driver === undefined ? ['messagingv2' as const] : typeof options.driver === 'string' ? [options.driver] : options.driver;
    const unknown = names.find((name) => !(DRIVER_NAMES as readonly string[]).includes(name));
    if (unknown !== undefined)
      throw new InvalidArgumentError(`unknown notification driver "${unknown}" (one of ${DRIVER_NAMES.join(', ')})`);
    const logger = (options.logger ?? silentLogger()).child({ component: 'notifier' });
    const context = { transport, topics: options.topics ?? ['notifications'], exchange: options.controlExchange ?? 'openstack', logger };
    this.#shared = {
      drivers: [...new Set(names)].map((name) => createDriver(name, context)),
      serializer: options.serializer ?? new NoOpSerializer(),
      throwOnError: options.throwOnError ?? false,
      logger,
    };
  }

  /** False when every driver is `noop` (oslo's `is_enabled`). */
  get enabled(): boolean {
    return this.#shared.drivers.some((driver) => driver.name !== 'noop');
  }

  /** A Notifier with another publisher id and/or retry, sharing this one's drivers. */
  prepare(overrides: { publisherId?: string | null; retry?: number } = {}): Notifier {
    return new Notifier(
      undefined,
      { publisherId: overrides.publisherId === undefined ? this.publisherId : overrides.publisherId, retry: overrides.retry ?? this.retry },
      this.#shared,
    );
  }

  audit(ctx: RequestContext, eventType: string, payload: unknown): Promise<void> {
    return this.#notify(ctx, eventType, payload, 'audit');
  }
  debug(ctx: RequestContext, eventType: string, payload: unknown): Promise<void> {
    return this.#notify(ctx, eventType, payload, 'debug');
  }
  info(ctx: RequestContext, eventType: string, payload: unknown): Promise<void> {
    return this.#notify(ctx, eventType, payload, 'info');
  }
  warn(ctx: RequestContext, eventType: string, payload: unknown): Promise<void> {
    return this.#notify(ctx, eventType, payload, 'warn');
  }
  /** oslo's alias of `warn` (sent as WARN). */
  warning(ctx: RequestContext, eventType: string, payload: unknown): Promise<void> {
    return this.#notify(ctx, eventType, payload, 'warn');
  }
  error(ctx: RequestContext, eventType: string, payload: unknown): Promise<void> {
    return this.#notify(ctx, eventType, payload, 'error');
  }
  critical(ctx: RequestContext, eventType: string, payload: unknown): Promise<void> {
    return this.#notify(ctx, eventType, payload, 'critical');
  }
  sample(ctx: RequestContext, eventType: string, payload: unknown): Promise<void> {
    return this.#notify(ctx, eventType, payload, 'sample');
  }

  /** Send at `priority`; the generic form of the methods above. */
  notify(ctx: RequestContext, eventType: string, payload: unknown, priority: Priority): Promise<void> {
    return this.#notify(ctx, eventType, payload, priority);
  }

  async #notify(ctx: RequestContext, eventType: string, payload: unknown, priority: Priority): Promise<void> {
    const { drivers, serializer, throwOnError, logger } = this.#shared;
    const wire = wirePriority(priority);
    const message = buildMessage(this.publisherId, eventType, wire, serializer.serializeEntity(ctx, payload));
    const context = serializer.serializeContext(sanitizeContext(ctx));
    const results = await Promise.allSettled(drivers.map((driver) => driver.notify(context, message, wire, this.retry)));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (!failed) return;
    if (throwOnError) throw failed.reason;
    logger.error({ err: failed.reason, eventType }, 'problem attempting to send to the notification system');
  }
}
