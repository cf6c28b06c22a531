/**
 * The oslo 2.0 envelope (docs/protocol/wire-format.md, "Envelope"): `{"oslo.version": "2.0", "oslo.message":
 * "<the message dict as a JSON string>"}`. Decoding never throws: it returns a typed result or a
 * coded reason, because it runs inside consumer callbacks.
 */
import { versionIsCompatible } from './version.js';
import { LOGGED_VALUE_MAX, clipForLog } from '../logging/clip.js';

/** The envelope version we send and the newest we accept. */
export const ENVELOPE_VERSION = '2.0';
const VERSION_KEY = 'oslo.version';
const MESSAGE_KEY = 'oslo.message';

/** Why a body could not be decoded. */
export type EnvelopeErrorCode = 'too-large' | 'not-json' | 'not-object' | 'bad-envelope' | 'unsupported-envelope-version';

export type EnvelopeResult =
  | { readonly ok: true; readonly message: Record<string, unknown>; readonly legacy: boolean }
  | { readonly ok: false; readonly code: EnvelopeErrorCode; readonly reason: string };

/**
 * How a transport's bodies hold a message dict: oslo's 2.0 envelope (what a Python peer reads),
 * or the dict itself as JSON, oslo's 1.0 form, which decodeEnvelope (and oslo) also take. The
 * embedded transport, which no Python peer reads, sends `plain`: one JSON encoding per message
 * instead of two, and no JSON text escaped inside JSON text. Its messages also leave out
 * `_unique_id`, which only oslo's duplicate filter on requests reads (client.ts,
 * request-handler.ts).
 */
export type BodyFormat = 'envelope' | 'plain';

/** The body for `message` in `format`. Throws on values JSON cannot hold. */
export function encodeBody(message: Record<string, unknown>, format: BodyFormat = 'envelope'): string {
  return format === 'plain' ? JSON.stringify(message) : encodeEnvelope(message);
}

// What JSON.stringify of {"oslo.version": "2.0", "oslo.message": <string>} puts around the string.
const ENVELOPE_HEAD = `{${JSON.stringify(VERSION_KEY)}:${JSON.stringify(ENVELOPE_VERSION)},${JSON.stringify(MESSAGE_KEY)}:`;

/**
 * Wrap a message dict in the 2.0 envelope, as JSON text. Throws on values JSON cannot hold.
 * The same bytes as JSON.stringify of the envelope object, written around the quoted message
 * string: stringifying the two-key object cost about 2,000 more instructions per request
 * (callgrind, Node 20; docs/rpc-performance.md).
 */
export function encodeEnvelope(message: Record<string, unknown>): string {
  return `${ENVELOPE_HEAD}${JSON.stringify(JSON.stringify(message))}}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // V8 quotes the text it could not parse: a peer's megabytes must not reach a log line.
    return { ok: false, reason: clipForLog(error instanceof Error ? error.message : String(error), 2 * LOGGED_VALUE_MAX) };
  }
}

function fail(code: EnvelopeErrorCode, reason: string): EnvelopeResult {
  return { ok: false, code, reason };
}

/**
 * Decode a body into its message dict. A JSON object without both envelope keys is a legacy
 * 1.0 message and is itself the dict (oslo accepts it too).
 */
export function decodeEnvelope(body: Buffer | string, maxBytes = Number.POSITIVE_INFINITY): EnvelopeResult {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a short text is not measured byte by byte.
  const size = typeof body !== 'string' ? body.length : body.length * 3 <= maxBytes ? body.length : Buffer.byteLength(body);
  if (size > maxBytes) return fail('too-large', `message of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
  const outer = parse(typeof body === 'string' ? body : body.toString('utf8'));
  if (!outer.ok) return fail('not-json', `body is not JSON: ${outer.reason}`);
  if (!isRecord(outer.value)) return fail('not-object', 'body is not a JSON object');
  const envelope = outer.value;
  const hasVersion = Object.hasOwn(envelope, VERSION_KEY);
  const hasMessage = Object.hasOwn(envelope, MESSAGE_KEY);
  if (!hasVersion || !hasMessage) return { ok: true, message: envelope, legacy: true };

  const version = envelope[VERSION_KEY];
  if (typeof version !== 'string') return fail('bad-envelope', 'oslo.version is not a string');
  // "2.0" (every current peer's) needs no parsing.
  if (version !== ENVELOPE_VERSION && !versionIsCompatible(ENVELOPE_VERSION, version)) {
    return fail('unsupported-envelope-version', `unsupported envelope version ${clipForLog(version)}`);
  }
  const inner = envelope[MESSAGE_KEY];
  if (typeof inner !== 'string') return fail('bad-envelope', 'oslo.message is not a string');
  const message = parse(inner);
  if (!message.ok) return fail('not-json', `oslo.message is not JSON: ${message.reason}`);
  if (!isRecord(message.value)) return fail('not-object', 'oslo.message is not a JSON object');
  return { ok: true, message: message.value, legacy: false };
}

const REPLY_Q = /\\?"_reply_q\\?"\s*:\s*\\?"([A-Za-z0-9_.:-]{1,255})\\?"/;
const MSG_ID = /\\?"_msg_id\\?"\s*:\s*\\?"([A-Za-z0-9_-]{1,128})\\?"/;
const SCAN_BYTES = 64 * 1024;

/**
 * Best-effort reply address of a body that could not be decoded (too large, broken JSON), so
 * the caller gets a failure instead of a timeout. Scans only the head and tail of the body: the
 * ids sit before or after the (possibly huge) arguments.
 */
export function scanReplyAddress(body: Buffer | string): { replyQueue: string; msgId: string } | undefined {
  const text =
    typeof body === 'string'
      ? body.length <= 2 * SCAN_BYTES
        ? body
        : `${body.slice(0, SCAN_BYTES)}\n${body.slice(body.length - SCAN_BYTES)}`
      : body.length <= 2 * SCAN_BYTES
        ? body.toString('utf8')
        : `${body.subarray(0, SCAN_BYTES).toString('utf8')}\n${body.subarray(body.length - SCAN_BYTES).toString('utf8')}`;
  const replyQueue = REPLY_Q.exec(text)?.[1];
  const msgId = MSG_ID.exec(text)?.[1];
  return replyQueue && msgId ? { replyQueue, msgId } : undefined;
}
