/**
 * Request ids: an incoming `X-Request-Id` is honoured when it is safe to log and echo,
 * otherwise one is made (`req-<uuid>`, oslo.middleware's form). Apps read it with
 * {@link requestIdOf}.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Header read from the request and echoed on the response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Ids we accept from clients: no spaces, quotes or control characters, at most 128 chars. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// A symbol-keyed own property of the request: cheaper per request than a WeakMap entry.
const kRequestId = Symbol('oslo-node.requestId');

type WithId = IncomingMessage & { [kRequestId]?: string };

/** The id of `req` (set before the app runs), or undefined for a request we did not serve. */
export function requestIdOf(req: IncomingMessage): string | undefined {
  return (req as WithId)[kRequestId];
}

/**
 * First value of header `lowerName` in `rawHeaders`. Reading `req.headers` would make node
 * build the whole header object, which a fast app never asks for.
 */
export function rawHeader(rawHeaders: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return rawHeaders[i + 1];
  }
  return undefined;
}

// Made ids are one random UUID per process whose last 12 hex digits count requests: unique like
// a fresh uuid4 each (processes differ in 74 random bits) but cheaper. randomUUID() per request
// refilled its entropy cache with a syscall every 128 ids: about 0.5 µs per request. Request ids
// trace requests; they are not secrets. The count's last two digits come from a table and the
// rest is rendered once per 256 ids: one string concatenation per id.
const PROCESS_PREFIX = `req-${randomUUID().slice(0, 24)}`;
const LOW_DIGITS = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));
let high = -1;
let low = 255;
let highPrefix = '';

/** A new `req-<uuid>` id. */
export function makeRequestId(): string {
  if (++low === 256) {
    low = 0;
    high++;
    highPrefix = PROCESS_PREFIX + high.toString(16).padStart(10, '0');
  }
  return highPrefix + (LOW_DIGITS[low] as string);
}

/** Pick the id of `req` and remember it. */
export function assignRequestId(req: IncomingMessage): string {
  const incoming = rawHeader(req.rawHeaders, 'x-request-id');
  const id = incoming !== undefined && SAFE_ID.test(incoming) ? incoming : makeRequestId();
  (req as WithId)[kRequestId] = id;
  return id;
}
