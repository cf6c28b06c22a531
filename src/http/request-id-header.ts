/**
 * Echoing the request id: `X-Request-Id` is added when the response head is written.
 *
 * Why not `res.setHeader()` before the app runs: once any header is set that way, node's
 * writeHead() takes its slow path and re-validates, one setHeader() call each, every header the
 * app passes. That cost about 2.5 µs per request, 15 % of a small response. Adding our header
 * to what the app passes to writeHead() keeps node's fast path. An app that sets its own
 * `X-Request-Id` keeps it.
 *
 * The wrapper is an own property of each response, not a ServerResponse subclass: frameworks
 * such as Express swap the response's prototype for their own, which would drop a subclass's
 * method. It calls the writeHead of whatever prototype the response has then.
 */
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[];
type WriteHead = (this: ServerResponse, statusCode: number, second?: string | Headers, third?: Headers) => ServerResponse;

const LOWER_NAME = REQUEST_ID_HEADER.toLowerCase();

function isIdName(name: unknown): boolean {
  return typeof name === 'string' && name.length === LOWER_NAME.length && name.toLowerCase() === LOWER_NAME;
}

/** `headers` (writeHead's object, flat array or array of pairs) with the id added, unless it has one. */
function withRequestId(headers: Headers, id: string): Headers {
  if (!Array.isArray(headers)) {
    // A flat array, which node's _storeHeader walks as cheaply as the object (a copied object cost more).
    const flat: OutgoingHttpHeader[] = [];
    for (const name of Object.keys(headers)) {
      if (isIdName(name)) return headers;
      flat.push(name, headers[name] as OutgoingHttpHeader);
    }
    flat.push(REQUEST_ID_HEADER, id);
    return flat;
  }
  if (Array.isArray(headers[0])) {
    const pairs = headers as unknown as OutgoingHttpHeader[][];
    if (pairs.some((pair) => isIdName(pair[0]))) return headers;
    return [...pairs, [REQUEST_ID_HEADER, id]] as unknown as Headers;
  }
  for (let i = 0; i < headers.length; i += 2) if (isIdName(headers[i])) return headers;
  return [...headers, REQUEST_ID_HEADER, id];
}

const writeHeadWithRequestId: WriteHead = function writeHeadWithRequestId(statusCode, second, third) {
  const writeHead = (Object.getPrototypeOf(this) as { writeHead: WriteHead }).writeHead;
  // The id assignRequestId() gave the request this response answers.
  const id = requestIdOf(this.req);
  const hasMessage = typeof second === 'string';
  let headers = hasMessage ? third : second;
  // An id the app set with setHeader() wins; one it passes here is kept by withRequestId. When
  // headers were set with setHeader(), node merges these into them (its slow path), id included.
  if (id !== undefined && !this.headersSent && !this.hasHeader(REQUEST_ID_HEADER)) {
    headers = headers === undefined ? [REQUEST_ID_HEADER, id] : withRequestId(headers, id);
  }
  return hasMessage ? writeHead.call(this, statusCode, second, headers) : writeHead.call(this, statusCode, headers);
};

/** Make `res` send `X-Request-Id` with its head: the id of its request (unless the app sets its own). */
export function echoRequestId(res: ServerResponse): void {
  res.writeHead = writeHeadWithRequestId as ServerResponse['writeHead'];
}
