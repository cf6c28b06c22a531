/**
 * The request context on the wire (oslo-messaging-wire.md §5, §7 step 3): a plain object whose
 * top-level keys travel as `_context_<key>` fields of the message, one level deep.
 *
 * Difference from oslo 14.0.3: oslo leaves the request's `_timeout` in the server-side context
 * as `client_timeout`. We do not: the context an endpoint receives holds exactly what the
 * caller sent (plus `request_id` when the caller gave none).
 */
import { requestId } from './ids.js';

/** A request context: any JSON-serializable plain object. */
export type RequestContext = Record<string, unknown>;

export const CONTEXT_PREFIX = '_context_';

/** A copy of `ctx` with a fresh `request_id` ("req-<uuid4>") when it has none. */
export function withRequestId(ctx: RequestContext): RequestContext {
  if (typeof ctx.request_id === 'string' && ctx.request_id !== '') return ctx;
  return { ...ctx, request_id: requestId() };
}

/** Spread a (serialized) context into `_context_*` fields of `message`. */
export function packContext(message: Record<string, unknown>, ctx: RequestContext): void {
  for (const key of Object.keys(ctx)) message[`${CONTEXT_PREFIX}${key}`] = ctx[key];
}

/**
 * Collect the `_context_*` fields of a received message into a context object. Keys are defined,
 * not assigned, so `_context___proto__` cannot change the object's prototype.
 */
export function unpackContext(message: Record<string, unknown>): RequestContext {
  const ctx: RequestContext = {};
  for (const key of Object.keys(message)) {
    if (!key.startsWith(CONTEXT_PREFIX) || key.length === CONTEXT_PREFIX.length) continue;
    Object.defineProperty(ctx, key.slice(CONTEXT_PREFIX.length), {
      value: message[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return ctx;
}
