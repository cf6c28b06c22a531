/**
 * Notification priorities as oslo.messaging names them: the Notifier's methods, the upper-case
 * `priority` field on the wire, and the lower-case suffix of the routing key and of a listener
 * endpoint's methods (oslo's `notify/dispatcher.py` PRIORITIES).
 */

/** Endpoint method names and routing-key suffixes, in oslo's order. */
export const PRIORITIES = ['audit', 'debug', 'info', 'warn', 'error', 'critical', 'sample'] as const;

export type Priority = (typeof PRIORITIES)[number];

/** The `priority` field on the wire: `warn` is sent as `WARN` (and so is `warning()`). */
export function wirePriority(priority: Priority): string {
  return priority.toUpperCase();
}

/** A received `priority` field as a known priority, or undefined (oslo: "Unknown priority"). */
export function parsePriority(value: unknown): Priority | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return (PRIORITIES as readonly string[]).includes(lower) ? (lower as Priority) : undefined;
}
