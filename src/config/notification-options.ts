/**
 * The [oslo_messaging_notifications] options (INI keys: driver, transport_url, topics, retry).
 * Part of the option table (options.ts), in its order.
 */
import type { OptionSpec } from './option-types.js';

export const NOTIFICATION_OPTIONS = {
  notification_driver: {
    group: 'oslo_messaging_notifications',
    ini: 'driver',
    type: 'list',
    multi: true,
    choices: ['messagingv2', 'messaging', 'log', 'noop'],
    default: [],
    help: 'Notification drivers, comma-separated: messagingv2, messaging (1.0, no envelope), log, noop. Empty: notifications are off.',
  },
  notification_transport_url: {
    group: 'oslo_messaging_notifications',
    ini: 'transport_url',
    type: 'optional-string',
    default: undefined,
    secret: true,
    help: 'Transport URL for notifications (default: the RPC transport_url, or the embedded transport).',
  },
  notification_topics: {
    group: 'oslo_messaging_notifications',
    ini: 'topics',
    type: 'list',
    default: ['notifications'],
    help: 'AMQP topics notifications are sent on (routing key TOPIC.PRIORITY), comma-separated.',
  },
  notification_retry: {
    group: 'oslo_messaging_notifications',
    ini: 'retry',
    type: 'int',
    min: -1,
    max: 1_000_000,
    default: -1,
    help: 'Attempts to re-send a notification after a recoverable error (0 = none, -1 = forever).',
  },
} as const satisfies Record<string, OptionSpec>;
