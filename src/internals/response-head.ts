/**
 * Private internal: node's `res._header` (the response head writeHead() builds, kept until the
 * first write sends it), edited to echo the request id. Fallback: the public writeHead() path.
 * test/unit/internals/ fails loudly when a Node upgrade changes it.
 *
 * Echoing the request id: `X-Request-Id` is added to the response head when it is written.
 *
 * Why not `res.setHeader()` before the app runs: once any header is set that way, node's
 * writeHead() takes its slow path and re-validates, one setHeader() call each, every header the
 * app passes (about 2.5 µs per request, 15 % of a small response). Why not add it to what the
 * app passes to writeHead(): node then checks it with two regular expressions and lowercases its
 * name, about 1,000 instructions per response for a 40-character id (callgrind), more than the
 * rest of our per-request work. The id needs no check (we made it, or it matched SAFE_ID: no
 * CR, LF or other control characters), so the wrapper lets node build the head it always builds
 * (`res._header`, a string kept until the first write sends it) and appends the line to it. A
 * probe at load checks that this node builds its head that way; if not, the id is passed to
 * writeHead() with the app's headers (slower, same result). An app that sets its own
 * `X-Request-Id` keeps it.
 *
 * The wrapper is an own property of each response, not a ServerResponse subclass method:
 * frameworks such as Express swap the response's prototype for their own, which would drop a
 * subclass's method. It calls the writeHead of whatever prototype the response has then.
 */
import { IncomingMessage, ServerResponse, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { REQUEST_ID_HEADER, requestIdOf } from '../http/request-id.js';

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[];
type WriteHead = (this: ServerResponse, statusCode: number, second?: string | Headers, third?: Headers) => ServerResponse;
/** Node's response head as built by writeHead(), kept until the first write sends it. */
type WithHead = ServerResponse & { _header: string | null };

const LOWER_NAME = REQUEST_ID_HEADER.toLowerCase();
const LINE_START = `${REQUEST_ID_HEADER}: `;
const HEAD_END = '\r\n\r\n';

/** True when writeHead() leaves the whole head in `_header`, ending with an empty line. */
function headIsAppendable(): boolean {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.writeHead(200, { 'X-Probe': '1' });
  const head = (res as WithHead)._header;
  return typeof head === 'string' && head.includes('\r\nX-Probe: 1\r\n') && head.endsWith(HEAD_END);
}

/** Whether this node builds its head the way the fast path needs (probed once, at load). */
export const HEAD_IS_APPENDABLE = headIsAppendable();

function isIdName(name: unknown): boolean {
  return (
    typeof name === 'string' &&
    name.length === LOWER_NAME.length &&
    // 'x' or 'X' first: skips lowercasing other 12-character names (content-type).
    (name.charCodeAt(0) | 0x20) === 0x78 &&
    name.toLowerCase() === LOWER_NAME
  );
}

/** Whether writeHead's `headers` (object, flat array or array of pairs) name an X-Request-Id. */
function namesId(headers: Headers): boolean {
  if (!Array.isArray(headers)) {
    for (const name in headers) if (isIdName(name) && Object.hasOwn(headers, name)) return true;
    return false;
  }
  if (Array.isArray(headers[0])) return (headers as unknown as OutgoingHttpHeader[][]).some((pair) => isIdName(pair[0]));
  for (let i = 0; i < headers.length; i += 2) if (isIdName(headers[i])) return true;
  return false;
}

/** Whether the id should go out with the head writeHead() is about to build. */
function wantsId(res: ServerResponse, id: string | undefined, headers: Headers | undefined): id is string {
  // An id the app set with setHeader() or passes here wins.
  return id !== undefined && !res.headersSent && !res.hasHeader(LOWER_NAME) && !(headers && namesId(headers));
}

/** The prototype's writeHead: Express may have swapped the prototype since the wrapper was set. */
function ownWriteHead(res: ServerResponse): WriteHead {
  return (Object.getPrototypeOf(res) as { writeHead: WriteHead }).writeHead;
}

/** Lets node build the head, then appends the id line to it. */
const writeHeadAppendingId: WriteHead = function writeHeadAppendingId(statusCode, second, third) {
  // The id assignRequestId() gave the request this response answers.
  const id = requestIdOf(this.req);
  const echo = wantsId(this, id, typeof second === 'string' ? third : second);
  // Node's writeHead takes (status, headers) or (status, message, headers).
  const result = ownWriteHead(this).call(this, statusCode, second, third);
  const res = this as WithHead;
  if (echo && typeof res._header === 'string') res._header = res._header.slice(0, -2) + LINE_START + id + HEAD_END;
  return result;
};

/**
 * The fallback: passes the id to node's writeHead with the app's headers, as a flat array (node's
 * own validation applies). Not setHeader(): after it node refuses writeHead's array of pairs.
 */
const writeHeadPassingId: WriteHead = function writeHeadPassingId(statusCode, second, third) {
  const id = requestIdOf(this.req);
  const hasMessage = typeof second === 'string';
  let headers = hasMessage ? third : second;
  if (wantsId(this, id, headers)) headers = withId(headers, id);
  return hasMessage ? ownWriteHead(this).call(this, statusCode, second, headers) : ownWriteHead(this).call(this, statusCode, headers);
};

/** `headers` (object, flat array, array of pairs, or none) as one flat array ending with the id. */
function withId(headers: Headers | undefined, id: string): OutgoingHttpHeader[] {
  const flat: OutgoingHttpHeader[] = [];
  if (headers === undefined) {
    // Nothing to copy.
  } else if (!Array.isArray(headers)) {
    for (const name of Object.keys(headers)) flat.push(name, headers[name] as OutgoingHttpHeader);
  } else if (Array.isArray(headers[0])) {
    for (const pair of headers as unknown as OutgoingHttpHeader[][]) flat.push(pair[0] as string, pair[1] as OutgoingHttpHeader);
  } else {
    flat.push(...headers);
  }
  flat.push(REQUEST_ID_HEADER, id);
  return flat;
}

/**
 * Make `res` send `X-Request-Id` with its head: the id of its request (unless the app sets its
 * own). `appendToHead` is for tests of the fallback.
 */
export function echoRequestId(res: ServerResponse, appendToHead = HEAD_IS_APPENDABLE): void {
  res.writeHead = (appendToHead ? writeHeadAppendingId : writeHeadPassingId) as ServerResponse['writeHead'];
}
