/**
 * The access log: one pino line per request (at info, when the response closes) with method,
 * path, status, body bytes, duration, remote address and request id as fields, and the message
 * rendered from `wsgi_log_format`.
 */
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import { redactUrlPasswords } from '../logging/redact.js';
import { rawHeader } from './request-id.js';
import { compileLogFormat, formatDateTime, type LogFieldName, type LogFormatter } from './log-format.js';

/** Counts the body bytes an app writes (node exposes no counter for them). */
export interface BodyCounter {
  bytes: number;
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/** Count what goes through `res.write`/`res.end` by wrapping them on this one response. */
export function countBodyBytes(res: ServerResponse): BodyCounter {
  const counter: BodyCounter = { bytes: 0 };
  const { write, end } = res;
  res.write = function countedWrite(this: ServerResponse, ...args: unknown[]): boolean {
    counter.bytes += chunkBytes(args[0], args[1]);
    return Reflect.apply(write, this, args) as boolean;
  } as ServerResponse['write'];
  res.end = function countedEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
    counter.bytes += chunkBytes(args[0], args[1]);
    return Reflect.apply(end, this, args) as ServerResponse;
  } as ServerResponse['end'];
  return counter;
}

/** Writes the access-log lines of one HttpService. */
export class AccessLog {
  readonly #logger: Logger;
  readonly #format: LogFormatter;
  readonly #trusted: (peer: string | undefined) => boolean;

  /** @throws ConfigError when `format` is not a valid wsgi_log_format. */
  /** `trusted` says whether a peer's X-Forwarded-For is believed (trusted_proxies). */
  constructor({
    logger,
    format,
    trusted = () => false,
  }: { readonly logger: Logger; readonly format: string; readonly trusted?: (peer: string | undefined) => boolean }) {
    this.#trusted = trusted;
    this.#logger = logger;
    this.#format = compileLogFormat(format);
  }

  /** Log one finished (or aborted) request; `startMs` is its `performance.now()` at arrival. */
  write(req: IncomingMessage, res: ServerResponse, requestId: string, startMs: number, counter: BodyCounter): void {
    const durationMs = performance.now() - startMs;
    // Node sends no body for HEAD, 204 and 304 whatever the app wrote.
    const status = res.statusCode;
    const bytes = req.method === 'HEAD' || status === 204 || status === 304 ? 0 : counter.bytes;
    const remote = req.socket.remoteAddress;
    // The access logger has no redaction (requestDataLogger): scrub what a client may have sent,
    // such as an absolute-form target with a URL password.
    const url = redactUrlPasswords(req.url ?? '');
    const get = (name: LogFieldName): string | number => {
      switch (name) {
        case 'client_ip': {
          const peer = remote ?? '-';
          if (!this.#trusted(remote)) return peer;
          const forwarded = rawHeader(req.rawHeaders, 'x-forwarded-for');
          return forwarded ? `${forwarded.replace(/ /g, '')},${peer}` : peer;
        }
        case 'client_port':
          return req.socket.remotePort ?? 0;
        case 'date_time':
          return formatDateTime(new Date());
        case 'request_line':
          return `${req.method} ${url} HTTP/${req.httpVersion}`;
        case 'status_code':
          return status;
        case 'body_length':
          return bytes;
        case 'wall_seconds':
          return durationMs / 1000;
      }
    };
    const fields: Record<string, unknown> = {
      method: req.method,
      path: url,
      status,
      bytes,
      durationMs: Math.round(durationMs * 1000) / 1000,
      remote,
      requestId,
    };
    if (!res.writableFinished) fields.aborted = true;
    // X-Forwarded-For is client text too.
    this.#logger.info(fields, redactUrlPasswords(this.#format(get)));
  }
}
