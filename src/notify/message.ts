/**
 * The notification message dict (oslo's `Notifier._notify` and `NotificationDispatcher
 * ._extract_user_message`): built for sending, and picked apart on receipt without ever throwing.
 *
 * On the wire: `message_id` (uuid4 with dashes), `publisher_id`, `event_type`, `priority` (upper
 * case), `payload`, `timestamp` (Python's `str(datetime.utcnow())`: `2026-11-27 11:30:00.123000`),
 * `_unique_id` (uuid4 hex, for duplicate detection) and the context as `_context_*` keys.
 */
import { randomUUID } from 'node:crypto';
import { packContext, unpackContext, type RequestContext } from '../rpc/context.js';
import { hex32 } from '../rpc/ids.js';
import { parsePriority, type Priority } from './priorities.js';
import { clipForLog } from '../logging/clip.js';

/**
 * Context keys a notification may carry (oslo's `_sanitize_context`): everything else, auth
 * tokens included, is dropped before sending.
 */
const SAFE_CONTEXT_KEYS = new Set([
  'user_id',
  'project_id',
  'domain_id',
  'user_domain_id',
  'project_domain_id',
  'is_admin',
  'request_id',
  'roles',
  'user_name',
  'project_name',
  'domain_name',
  'user_domain_name',
  'project_domain_name',
  'service_user_id',
  'service_user_domain_id',
  'service_user_domain_name',
  'service_project_id',
  'service_project_name',
  'service_project_domain_id',
  'service_project_domain_name',
  'service_roles',
  'global_request_id',
  'system_scope',
  'user',
  'domain',
  'user_domain',
  'project_domain',
]);

/** The context without the keys oslo keeps off the notification bus. */
export function sanitizeContext(ctx: RequestContext): RequestContext {
  const safe: RequestContext = {};
  for (const key of Object.keys(ctx)) if (SAFE_CONTEXT_KEYS.has(key)) safe[key] = ctx[key];
  return safe;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `str(datetime.utcnow())`: microseconds are omitted when zero, as Python does. */
export function pythonUtcTimestamp(date: Date = new Date()): string {
  const base = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? base : `${base}.${pad(ms, 3)}000`;
}

/** The fields every driver receives (oslo's `msg` dict before the transport adds its keys). */
export interface NotificationMessage {
  readonly message_id: string;
  readonly publisher_id: string | null;
  readonly event_type: string;
  readonly priority: string;
  readonly payload: unknown;
  readonly timestamp: string;
}

export function buildMessage(publisherId: string | null, eventType: string, priority: string, payload: unknown): NotificationMessage {
  return { message_id: randomUUID(), publisher_id: publisherId, event_type: eventType, priority, payload, timestamp: pythonUtcTimestamp() };
}

/** The dict a messaging driver sends: the message, `_unique_id` and the `_context_*` keys. */
export function wireMessage(message: NotificationMessage, ctx: RequestContext): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...message, _unique_id: hex32() };
  packContext(wire, ctx);
  return wire;
}

/** What a listener endpoint gets for one notification. */
export interface IncomingNotification {
  readonly priority: Priority;
  readonly ctxt: RequestContext;
  readonly publisherId: unknown;
  readonly eventType: unknown;
  readonly payload: unknown;
  readonly metadata: { readonly message_id: unknown; readonly timestamp: unknown };
  /** `_unique_id`, when the sender set one (duplicate detection). */
  readonly uniqueId: string | undefined;
}

export type ParsedNotification =
  | { readonly ok: true; readonly notification: IncomingNotification }
  | { readonly ok: false; readonly reason: string };

/** Pick a received message dict apart; an unknown priority is refused (oslo logs and acks it). */
export function parseNotification(message: Record<string, unknown>): ParsedNotification {
  const priority = parsePriority(message.priority);
  if (!priority) return { ok: false, reason: `unknown priority ${clipForLog(JSON.stringify(message.priority ?? null))}` };
  const uniqueId = typeof message._unique_id === 'string' ? message._unique_id : undefined;
  return {
    ok: true,
    notification: {
      priority,
      ctxt: unpackContext(message),
      publisherId: message.publisher_id,
      eventType: message.event_type,
      payload: message.payload,
      metadata: { message_id: message.message_id, timestamp: message.timestamp },
      uniqueId,
    },
  };
}
