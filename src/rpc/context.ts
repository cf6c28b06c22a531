/**
 * The request context on the wire (docs/protocol/wire-format.md, "Requests"): a plain object whose
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
  for (const key of Object.keys(ctx)) message[fieldName(key)] = ctx[key];
}

/**
 * `compute` remembered for up to `limit` distinct keys. A context has the same keys call after
 * call (an OpenStack one about twenty): a lookup spares building each `_context_<key>` name (or
 * slicing the key out of one) and hashing the new string into the string table, for every key
 * of every call. Bounded, since the keys are the caller's.
 */
function remembered(limit: number, compute: (key: string) => string): (key: string) => string {
  const known = new Map<string, string>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (known.size < limit) known.set(key, value);
    }
    return value;
  };
}

const KEYS_REMEMBERED = 1024;
const fieldName = remembered(KEYS_REMEMBERED, (key) => `${CONTEXT_PREFIX}${key}`);
const keyOfField = remembered(KEYS_REMEMBERED, (field) => field.slice(CONTEXT_PREFIX.length));

/**
 * Set `object[key] = value` as an own data property. Plain assignment is what it is for every
 * key but `__proto__`, whose assignment would change the object's prototype: that one key is
 * defined instead (defining every key cost about 0.2 µs each).
 */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/**
 * Collect the `_context_*` fields of a received message into a context object, each an own
 * property (`_context___proto__` cannot change the object's prototype).
 */
export function unpackContext(message: Record<string, unknown>): RequestContext {
  const ctx: RequestContext = {};
  for (const key of Object.keys(message)) {
    const name = contextName(key);
    if (name !== undefined) setOwn(ctx, name, message[key]);
  }
  return ctx;
}

/** The context key a message field carries (`_context_<name>`), or undefined for any other field. */
export function contextName(field: string): string | undefined {
  return field.length > CONTEXT_PREFIX.length && field.startsWith(CONTEXT_PREFIX) ? keyOfField(field) : undefined;
}
