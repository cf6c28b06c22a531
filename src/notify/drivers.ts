/**
 * Notification drivers by oslo's names (`oslo.messaging.notify.drivers`): `messagingv2` (the 2.0
 * envelope), `messaging` (1.0: the message dict itself), `log` (one log line per notification)
 * and `noop`. A messaging driver sends to every topic on `<topic>.<priority>`; a recoverable
 * broker error is retried `retry` times (-1: until it goes through), as oslo's `ensure` does.
 */
import type { Logger } from '../logging/logger.js';
import type { RequestContext } from '../rpc/context.js';
import { encodeEnvelope } from '../rpc/envelope.js';
import type { Transport } from '../rpc/transports/transport.js';
import { wireMessage, type NotificationMessage } from './message.js';
import { InvalidArgumentError } from '../errors.js';

export const DRIVER_NAMES = ['messagingv2', 'messaging', 'log', 'noop'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

/** One driver; `notify` rejects when the notification could not be handed on. */
export interface NotificationDriver {
  readonly name: DriverName;
  notify(ctx: RequestContext, message: NotificationMessage, priority: string, retry: number): Promise<void>;
}

/** The broker is away (or did not confirm): worth another attempt after a reconnect. */
function isRecoverable(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'ERR_AMQP_UNAVAILABLE';
}

/** Send to the transport, once per topic; the first failure is rethrown after every topic was tried. */
class MessagingNotificationDriver implements NotificationDriver {
  readonly name: DriverName;
  readonly #transport: Transport;
  readonly #topics: readonly string[];
  readonly #exchange: string;
  readonly #envelope: boolean;
  readonly #logger: Logger;

  constructor(name: 'messaging' | 'messagingv2', context: DriverContext & { readonly transport: Transport }) {
    this.name = name;
    this.#transport = context.transport;
    this.#topics = context.topics;
    this.#exchange = context.exchange;
    this.#envelope = name === 'messagingv2';
    this.#logger = context.logger;
  }

  async notify(ctx: RequestContext, message: NotificationMessage, priority: string, retry: number): Promise<void> {
    const suffix = priority.toLowerCase();
    let failure: unknown;
    for (const topic of this.#topics) {
      // Each topic gets its own _unique_id, as oslo's driver adds one per send.
      const wire = wireMessage(message, ctx);
      const body = this.#envelope ? encodeEnvelope(wire) : JSON.stringify(wire);
      try {
        await this.#send(`${topic}.${suffix}`, body, retry);
      } catch (error) {
        this.#logger.error({ err: error, topic, eventType: message.event_type }, `could not send notification to ${topic}`);
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  async #send(topic: string, body: string, retry: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#transport.publishNotification({ exchange: this.#exchange, topic, body });
        return;
      } catch (error) {
        if (!isRecoverable(error) || (retry >= 0 && attempt >= retry)) throw error;
        this.#logger.warn({ err: error, topic, attempt: attempt + 1 }, 'notification not sent; retrying');
      }
    }
  }
}

/** oslo's LogDriver: the message as JSON in one line of the logger at the priority's level. */
class LogDriver implements NotificationDriver {
  readonly name = 'log' as const;
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  async notify(_ctx: RequestContext, message: NotificationMessage, priority: string): Promise<void> {
    const level = LOG_LEVELS[priority.toLowerCase()];
    if (!level) {
      this.#logger.warn({ priority }, 'cannot log a notification of an unknown priority');
      return;
    }
    this.#logger[level]({ notification: `oslo.messaging.notification.${message.event_type}` }, JSON.stringify(message, maskSecrets));
  }
}

/** Keys whose values never reach a log line (oslo's `mask_dict_password`, simplified). */
const SECRET_KEY = /pass|token|secret|credential|private_key/i;

/** JSON.stringify replacer: values of secret-looking keys become "***". */
function maskSecrets(key: string, value: unknown): unknown {
  return key !== '' && SECRET_KEY.test(key) && value !== null && typeof value !== 'object' ? '***' : value;
}

/** Python logging levels for each priority (audit and sample have no logger method in oslo). */
const LOG_LEVELS: Readonly<Record<string, 'debug' | 'info' | 'warn' | 'error' | 'fatal'>> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  critical: 'fatal',
};

class NoopDriver implements NotificationDriver {
  readonly name = 'noop' as const;
  async notify(): Promise<void> {}
}

export interface DriverContext {
  readonly transport: Transport | undefined;
  readonly topics: readonly string[];
  readonly exchange: string;
  readonly logger: Logger;
}

/** Build a driver by name; a messaging driver without a transport is a programming error. */
export function createDriver(name: DriverName, context: DriverContext): NotificationDriver {
  switch (name) {
    case 'messaging':
    case 'messagingv2':
      if (!context.transport) throw new InvalidArgumentError(`the ${name} notification driver needs a transport`);
      return new MessagingNotificationDriver(name, { ...context, transport: context.transport });
    case 'log':
      return new LogDriver(context.logger);
    case 'noop':
      return new NoopDriver();
  }
}
