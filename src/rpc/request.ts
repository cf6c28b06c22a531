/**
 * Validates a decoded message dict as an RPC request (docs/protocol/wire-format.md, "Requests"). Never throws:
 * a malformed request yields a reason and, when it can be told, where to send the failure.
 */
import { contextName, setOwn, type RequestContext } from './context.js';

/** A validated request. `replyTo` is set for calls, absent for casts. */
export interface RpcRequest {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly namespace: string | null;
  /** "1.0" when the field was missing; null when the sender put an explicit null. */
  readonly version: string | null;
  readonly uniqueId: string | undefined;
  readonly replyTo: ReplyAddress | undefined;
  /** Seconds between call-monitor heartbeats, or undefined for none (oslo: int(_timeout) / 2, when ≥ 1). */
  readonly heartbeatSeconds: number | undefined;
  /** The raw `_context_*` fields, before the serializer's deserializeContext. */
  readonly ctx: RequestContext;
}

export interface ReplyAddress {
  readonly msgId: string;
  readonly replyQueue: string;
}

export type RequestResult =
  | { readonly ok: true; readonly request: RpcRequest }
  | { readonly ok: false; readonly reason: string; readonly replyTo: ReplyAddress | undefined };

const KNOWN = new Set(['method', 'args', 'namespace', 'version', '_unique_id', '_msg_id', '_reply_q', '_timeout']);
const MAX_NAME = 255;

function isShortString(value: unknown, max = MAX_NAME): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The reply address of a message dict, if both ids look usable. */
export function replyAddressOf(message: Record<string, unknown>): ReplyAddress | undefined {
  const msgId = message._msg_id;
  const replyQueue = message._reply_q;
  return isShortString(msgId, 128) && isShortString(replyQueue) ? { msgId, replyQueue } : undefined;
}

/** oslo's heartbeat interval: int(_timeout) / 2 seconds, none below 1 s; strings must be integers, as for Python's int(). */
function heartbeatInterval(timeout: unknown): number | undefined {
  let whole: number | undefined;
  if (typeof timeout === 'number' && Number.isFinite(timeout)) whole = Math.trunc(timeout);
  else if (typeof timeout === 'string' && /^\s*[+-]?\d{1,9}\s*$/.test(timeout)) whole = Number.parseInt(timeout, 10);
  if (whole === undefined || whole / 2 < 1) return undefined;
  return whole / 2;
}

/** Check every field's type; unknown non-context fields are refused. */
export function parseRequest(message: Record<string, unknown>): RequestResult {
  const replyTo = replyAddressOf(message);
  const fail = (reason: string): RequestResult => ({ ok: false, reason, replyTo });

  // One pass over the fields: unknown ones are refused, `_context_*` ones collected (as unpackContext does).
  const ctx: RequestContext = {};
  for (const key of Object.keys(message)) {
    if (KNOWN.has(key)) continue;
    const name = contextName(key);
    if (name === undefined) return fail(`unknown field ${JSON.stringify(key.slice(0, 64))}`);
    setOwn(ctx, name, message[key]);
  }
  const { method, args, namespace, version, _unique_id: uniqueId, _msg_id: msgId, _reply_q: replyQ } = message;
  if (!isShortString(method)) return fail('method must be a non-empty string of at most 255 characters');
  if (args !== undefined && !isRecord(args)) return fail('args must be an object');
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') return fail('namespace must be a string');
  if (version !== undefined && version !== null && !isShortString(version, 64)) return fail('version must be a string');
  if (uniqueId !== undefined && !isShortString(uniqueId, 128)) return fail('_unique_id must be a string');
  if ((msgId !== undefined || replyQ !== undefined) && !replyTo) return fail('_msg_id and _reply_q must both be strings');
  const timeout = message._timeout;
  const timeoutType = typeof timeout;
  if (timeout !== undefined && timeout !== null && timeoutType !== 'number' && timeoutType !== 'string' && timeoutType !== 'boolean') {
    return fail('_timeout must be a number or null');
  }
  return {
    ok: true,
    request: {
      method,
      args: args ?? {},
      namespace: typeof namespace === 'string' ? namespace : null,
      version: version === undefined ? '1.0' : version,
      uniqueId,
      replyTo,
      heartbeatSeconds: replyTo ? heartbeatInterval(timeout) : undefined,
      ctx,
    },
  };
}
