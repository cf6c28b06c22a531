/**
 * oslo.messaging's Serializer: converts entities (arguments, results) and the context between
 * application objects and JSON-ready values. Both sides of a call apply it.
 */
import { setOwn, type RequestContext } from './context.js';

/** Converts values and contexts to and from their wire form. Methods are synchronous, like oslo's. */
export interface Serializer {
  /** Application value → JSON-ready value (client arguments, server results). */
  serializeEntity(ctx: RequestContext, entity: unknown): unknown;
  /** JSON value → application value (server arguments, client results). */
  deserializeEntity(ctx: RequestContext, entity: unknown): unknown;
  /** Application context → the plain object spread into `_context_*` fields. */
  serializeContext(ctx: RequestContext): RequestContext;
  /** The received context object → what endpoints get as `ctx`. */
  deserializeContext(ctx: RequestContext): RequestContext;
}

/** Passes everything through unchanged (oslo's NoOpSerializer). */
export class NoOpSerializer implements Serializer {
  serializeEntity(_ctx: RequestContext, entity: unknown): unknown {
    return entity;
  }
  deserializeEntity(_ctx: RequestContext, entity: unknown): unknown {
    return entity;
  }
  serializeContext(ctx: RequestContext): RequestContext {
    return ctx;
  }
  deserializeContext(ctx: RequestContext): RequestContext {
    return ctx;
  }
}

/**
 * True when `serializer` passes entities through unchanged (NoOpSerializer's own methods, not
 * overridden): then arguments need no per-entry copy on either side of a call.
 */
export function passesEntitiesThrough(serializer: Serializer): boolean {
  const noOp = NoOpSerializer.prototype;
  return serializer.serializeEntity === noOp.serializeEntity && serializer.deserializeEntity === noOp.deserializeEntity;
}

/** `args` with `convert` applied to each entry, each an own property (a `__proto__` key stays data). */
export function convertEntries(args: Record<string, unknown>, convert: (value: unknown) => unknown): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) setOwn(converted, name, convert(value));
  return converted;
}
