/**
 * Request limits from the `[wsgi]` options, and the responses for requests that break them.
 *
 * Header lines: node's parser only limits the whole header block (`maxHeaderSize`, which also
 * counts the request line). We set that total to `max(64 KiB, 4 × max_header_line) +
 * max_url_len` (eventlet's total is 64 KiB) so no single allowed line can trip it, then check
 * each line (`name: value`, in bytes) against `max_header_line` before the app runs. Either way
 * the answer is 431 and the connection is closed. A request target longer than `max_url_len`
 * gets 414; one so long that it overflows the header total gets 431.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/options.js';

export interface RequestLimits {
  maxHeaderLine: number;
  maxUrlLength: number;
  /** The parser's limit for the request line plus all header lines. */
  maxHeaderTotal: number;
  /** Most requests in flight in this worker (default_pool_size). */
  poolSize: number;
}

/** Derive the limits from the configuration. */
export function requestLimits(config: Pick<Config, 'max_header_line' | 'max_url_len' | 'default_pool_size'>): RequestLimits {
  return {
    maxHeaderLine: config.max_header_line,
    maxUrlLength: config.max_url_len,
    maxHeaderTotal: Math.max(65_536, 4 * config.max_header_line) + config.max_url_len,
    poolSize: config.default_pool_size,
  };
}

/**
 * The status a request must be refused with before the app sees it (414, 431), or 0.
 * Header strings hold one char per received byte (latin1), so `.length` is the byte count.
 */
export function refusalStatus(req: IncomingMessage, limits: RequestLimits): number {
  if ((req.url ?? '').length > limits.maxUrlLength) return 414;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // "Name: value" without the CRLF, as eventlet measures a line.
    if ((raw[i] as string).length + 2 + (raw[i + 1] as string).length > limits.maxHeaderLine) return 431;
  }
  return 0;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** Status for a parser error reported by node's 'clientError'. */
export function clientErrorStatus(code: string | undefined): number {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    default:
      return 400;
  }
}

/** A complete raw HTTP/1.1 response with no body that closes the connection. */
export function rawResponse(status: number, requestId?: string): string {
  const id = requestId ? `X-Request-Id: ${requestId}\r\n` : '';
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n${id}\r\n`;
}
