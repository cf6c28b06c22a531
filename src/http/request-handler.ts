/**
 * The 'request' listener of HttpService: request id, limits (414, 431), the in-flight bound
 * (503), keep-alive policy, the app call with its failures contained, and the access log.
 *
 * default_pool_size: a request that arrives while that many are in flight in this worker is
 * answered at once with 503, `Retry-After: 1` and `Connection: close` (it never waits, so
 * memory stays bounded; the client reconnects and the launcher hands the new connection to the
 * next worker in turn).
 */
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import { countBodyBytes, type AccessLog, type BodyCounter } from './access-log.js';
import { ConnectionTracker } from './connection-tracker.js';
import { refusalStatus, type RequestLimits } from './limits.js';
import { assignRequestId } from './request-id.js';
import { echoRequestId } from '../internals/response-head.js';
import type { HttpObserver } from '../metrics/observers.js';

export interface RequestHandlerOptions {
  app: RequestListener;
  logger: Logger;
  limits: RequestLimits;
  keepAlive: boolean;
  /** Undefined when access_log is off. */
  accessLog: AccessLog | undefined;
  /** Told of every answered request when metrics are on. */
  observer?: HttpObserver | undefined;
}

interface AccessEntry {
  id: string;
  startMs: number;
  counter: BodyCounter;
}

/** Serves requests for one HttpService and counts them. */
export class HttpRequestHandler {
  readonly #options: RequestHandlerOptions;
  /** Responses not closed yet; the tracker holds them, per connection. */
  #inFlight = 0;
  /** Only filled when the access log or metrics are on. */
  readonly #access = new Map<ServerResponse, AccessEntry>();
  readonly #onClose: (this: ServerResponse) => void;
  /** The connections, and the responses in flight on each. */
  readonly tracker: ConnectionTracker;
  #requests = 0;
  #draining = false;

  /** The listener to give to http.createServer. */
  readonly listener: RequestListener = (req, res) => this.#handle(req, res);

  constructor(options: RequestHandlerOptions) {
    this.#options = options;
    this.tracker = new ConnectionTracker((res) => this.#finish(res));
    // One shared 'close' listener (not a closure or a once() wrapper per request): it is hot.
    const handler = this;
    this.#onClose = function onResponseClose(this: ServerResponse) {
      handler.settle(this);
    };
  }

  /** Requests received so far. */
  get requests(): number {
    return this.#requests;
  }

  /** Requests whose response has not closed yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** From now on every response says `Connection: close`, including those already in flight. */
  drain(): void {
    this.#draining = true;
    this.tracker.forEachResponse((res) => {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    });
  }

  /** The response closed: account for it unless the tracker has reported it abandoned already. */
  settle(res: ServerResponse): void {
    if (this.tracker.requestEnded(res)) this.#finish(res);
  }

  /** Called once per response: when it closed, or when the tracker found it abandoned. */
  #finish(res: ServerResponse): void {
    this.#inFlight--;
    const req = res.req;
    const entry = this.#access.get(res);
    if (entry) {
      this.#access.delete(res);
      this.#options.accessLog?.write(req, res, entry.id, entry.startMs, entry.counter);
      this.#options.observer?.request(req.method, res.statusCode, (performance.now() - entry.startMs) / 1000);
    }
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.#requests++;
    const { limits, accessLog } = this.#options;
    const full = this.#inFlight >= limits.poolSize;
    const id = assignRequestId(req);
    this.tracker.requestStarted(req.socket, res);
    this.#inFlight++;
    res.on('close', this.#onClose);
    if (accessLog || this.#options.observer) this.#access.set(res, { id, startMs: performance.now(), counter: countBodyBytes(res) });
    echoRequestId(res);
    if (!this.#options.keepAlive || this.#draining) res.setHeader('Connection', 'close');

    const refusal = refusalStatus(req, limits) || (full ? 503 : 0);
    if (refusal) {
      refuse(res, refusal);
      return;
    }
    try {
      const result: unknown = this.#options.app(req, res);
      if (result instanceof Promise) result.catch((error: unknown) => this.#appFailed(res, id, error));
    } catch (error) {
      this.#appFailed(res, id, error);
    }
  }

  #appFailed(res: ServerResponse, id: string, error: unknown): void {
    this.#options.logger.error({ err: error, requestId: id }, 'app failed while handling a request');
    if (res.writableEnded) return;
    if (res.headersSent) {
      // Part of a response is out: the client can only learn of the failure from a cut connection.
      res.destroy();
      return;
    }
    res.statusCode = 500;
    res.setHeader('Connection', 'close');
    res.setHeader('Content-Length', 0);
    res.end();
  }
}

/** Answer without calling the app; the connection closes after it. */
function refuse(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.setHeader('Connection', 'close');
  res.setHeader('Content-Length', 0);
  if (status === 503) res.setHeader('Retry-After', '1');
  res.end();
}
