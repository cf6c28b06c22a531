/**
 * Handles one delivered request body on the server: decode, validate, dedupe, dispatch, reply
 * and call-monitor heartbeats (docs/protocol/wire-format.md). Never throws: every failure is
 * logged and, for calls, answered.
 */
import type { Logger } from '../logging/logger.js';
import type { RequestContext } from './context.js';
import type { RpcDispatcher } from './dispatcher.js';
import { decodeEnvelope, encodeBody, scanReplyAddress, type BodyFormat } from './envelope.js';
import { InvalidMessage, NoSuchMethod, UnsupportedVersion } from './errors.js';
import { serializeFailure } from './failure.js';
import { hex32 } from './ids.js';
import type { ReplySender } from './reply-sender.js';
import { parseRequest, type ReplyAddress, type RpcRequest } from './request.js';
import { convertEntries, passesEntitiesThrough, type Serializer } from './serializer.js';
import type { RpcObserver } from '../metrics/observers.js';

/** Counters a server exposes as `stats`. */
export interface RpcServerCounters {
  received: number;
  calls: number;
  casts: number;
  failures: number;
  rejected: number;
  duplicates: number;
}

export interface RequestHandlerOptions {
  readonly dispatcher: RpcDispatcher;
  readonly serializer: Serializer;
  readonly replies: ReplySender;
  readonly logger: Logger;
  readonly maxMessageBytes: number;
  /** The transport's body format for replies (envelope.ts). */
  readonly bodyFormat?: BodyFormat | undefined;
  readonly counters: RpcServerCounters;
  /** Told of every dispatched request when metrics are on. */
  readonly observer?: RpcObserver | undefined;
}

/** How many recent `_unique_id`s are remembered for duplicate detection (oslo: 16). */
const DEDUPE_SIZE = 16;

/** What handle() returns for a body it is done with at once (refused, duplicate). */
const DONE: Promise<void> = Promise.resolve();

/** A request whose dispatch runs: what its end needs. */
interface Running {
  readonly request: RpcRequest;
  /** The context the endpoint got (the serializer's), or the raw one when that threw. */
  ctx: RequestContext;
  readonly stopHeartbeat: (() => void) | undefined;
  readonly startMs: number;
}

export class RpcRequestHandler {
  readonly #options: RequestHandlerOptions;
  readonly #recent: string[] = [];
  /** The serializer leaves arguments as they are: the decoded request's own object is passed on. */
  readonly #passThrough: boolean;

  constructor(options: RequestHandlerOptions) {
    this.#options = options;
    this.#passThrough = passesEntitiesThrough(options.serializer);
  }

  /**
   * Process one body; resolves once the request ran and its reply was handed to the reply
   * sender (whose retries for a missing reply queue do not hold an executor slot). Never rejects.
   * No async frame: one promise from the dispatch and one reaction on it per request.
   */
  handle(body: Buffer | string): Promise<void> {
    try {
      return this.#handle(body);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #handle(body: Buffer | string): Promise<void> {
    const { logger, counters, maxMessageBytes } = this.#options;
    counters.received++;
    const decoded = decodeEnvelope(body, maxMessageBytes);
    if (!decoded.ok) {
      this.#refuse(decoded.reason, scanReplyAddress(body));
      return DONE;
    }
    const parsed = parseRequest(decoded.message);
    if (!parsed.ok) {
      this.#refuse(parsed.reason, parsed.replyTo);
      return DONE;
    }
    const request = parsed.request;
    if (request.uniqueId !== undefined) {
      if (this.#recent.includes(request.uniqueId)) {
        counters.duplicates++;
        logger.info({ uniqueId: request.uniqueId }, 'ignoring duplicate message');
        return DONE;
      }
      this.#recent.push(request.uniqueId);
      if (this.#recent.length > DEDUPE_SIZE) this.#recent.shift();
    }
    if (request.replyTo) counters.calls++;
    else counters.casts++;
    return this.#run(request);
  }

  #refuse(reason: string, replyTo: ReplyAddress | undefined): void {
    this.#options.counters.rejected++;
    this.#options.logger.warn({ reason, replied: replyTo !== undefined }, 'malformed RPC message refused');
    if (replyTo) this.#reply(replyTo, null, new InvalidMessage(`malformed RPC message: ${reason}`));
  }

  #run(request: RpcRequest): Promise<void> {
    const { serializer, dispatcher } = this.#options;
    const run: Running = {
      request,
      ctx: request.ctx,
      stopHeartbeat: request.replyTo && request.heartbeatSeconds ? this.#heartbeat(request.replyTo, request.heartbeatSeconds) : undefined,
      startMs: this.#options.observer ? performance.now() : 0,
    };
    let dispatched: Promise<unknown>;
    try {
      const ctx = serializer.deserializeContext(request.ctx);
      run.ctx = ctx;
      const deserialized = this.#passThrough
        ? request
        : { ...request, args: convertEntries(request.args, (value) => serializer.deserializeEntity(ctx, value)) };
      dispatched = dispatcher.dispatch(ctx, deserialized);
    } catch (error) {
      dispatched = Promise.reject(error);
    }
    return dispatched.then(
      (value) => this.#finish(run, false, value),
      (error: unknown) => this.#finish(run, true, error),
    );
  }

  /** The dispatch settled: stop the heartbeats, count, log, reply. Never throws. */
  #finish(run: Running, threw: boolean, outcome: unknown): void {
    const { request, ctx } = run;
    let result: unknown = null;
    let failure: unknown;
    let failed = threw;
    try {
      if (threw) failure = outcome;
      else {
        try {
          result = this.#options.serializer.serializeEntity(ctx, outcome);
        } catch (error) {
          failed = true;
          failure = error;
        }
      }
      run.stopHeartbeat?.();
      this.#options.observer?.served(
        request.replyTo ? 'call' : 'cast',
        (performance.now() - run.startMs) / 1000,
        failed ? failure : undefined,
      );
      if (failed) this.#logFailure(request, failure);
      if (!request.replyTo) {
        if (!failed) this.#options.logger.debug({ method: request.method }, 'cast handled');
        return;
      }
      this.#reply(request.replyTo, result, failed ? failure : undefined);
    } catch (error) {
      // Only a bug in our own reply path lands here; keep serving.
      this.#options.logger.error({ err: error, method: request.method }, 'unexpected error while handling an RPC request');
    }
  }

  #logFailure(request: RpcRequest, failure: unknown): void {
    this.#options.counters.failures++;
    const fields = { method: request.method, call: request.replyTo !== undefined, err: failure };
    if (failure instanceof NoSuchMethod || failure instanceof UnsupportedVersion) {
      if (request.method.endsWith('_ignore_errors')) this.#options.logger.debug(fields, 'RPC dispatch refused');
      else this.#options.logger.warn(fields, 'RPC dispatch refused');
    } else {
      this.#options.logger.error(fields, 'exception during RPC message handling');
    }
  }

  /** Hand the final reply to the reply sender (not awaited); a result JSON cannot encode becomes a failure. */
  #reply(to: ReplyAddress, result: unknown, failure: unknown): void {
    const make = (value: unknown, error: unknown): string =>
      this.#replyBody(
        to,
        error === undefined && value !== undefined ? value : null,
        error === undefined ? null : serializeFailure(error),
        true,
      );
    let body: string;
    try {
      body = make(result, failure);
    } catch (error) {
      this.#options.logger.error({ err: error }, 'RPC result cannot be encoded as JSON');
      body = make(null, error);
    }
    void this.#options.replies.send(to.replyQueue, body, true);
  }

  /**
   * A reply body. oslo puts a `_unique_id` on every reply (its clients do not check replies for
   * duplicates: docs/protocol/wire-format.md), so ours do in oslo's envelope. Not on the embedded
   * transport (bodyFormat 'plain'), which only our processes read: it delivers a reply once
   * (reply queues are auto-acked, never requeued), and our reply waiter settles a call on its
   * first final reply and drops any later one. That spares a random id and 50 bytes through
   * three processes' JSON per call (docs/rpc-performance.md).
   */
  #replyBody(to: ReplyAddress, result: unknown, failure: string | null, ending: boolean): string {
    const format = this.#options.bodyFormat;
    const reply: Record<string, unknown> = { result, failure, ending, _msg_id: to.msgId };
    if (format !== 'plain') reply._unique_id = hex32();
    return encodeBody(reply, format);
  }

  /** Start call-monitor heartbeats; returns the function that stops them. */
  #heartbeat(to: ReplyAddress, seconds: number): () => void {
    const timer = setInterval(() => {
      const body = this.#replyBody(to, null, null, false);
      void this.#options.replies.send(to.replyQueue, body, false).then((sent) => {
        if (!sent) clearInterval(timer);
      });
    }, seconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }
}
