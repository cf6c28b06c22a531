/**
 * Notifications, wire-compatible with oslo.messaging: the Notifier (drivers messagingv2,
 * messaging, log, noop) and the NotificationListener (endpoints per priority, filters, pools,
 * batches), over the same transports as RPC. See docs/notifications.md.
 */
export { Notifier, type NotifierOptions } from './notifier.js';
export {
  NotificationListener,
  BatchNotificationListener,
  type NotificationListenerOptions,
  type NotificationTarget,
  type NotificationListenerStats,
} from './listener.js';
export { NotificationFilter, type NotificationFilterRules } from './filter.js';
export { NotificationResult, type NotificationResultValue, type NotificationRecord } from './dispatcher.js';
export { PRIORITIES, type Priority } from './priorities.js';
export { DRIVER_NAMES, type DriverName } from './drivers.js';
export { notifierFromConfig, type ConfiguredNotifier } from './from-config.js';
export { pythonUtcTimestamp, type NotificationMessage } from './message.js';
