/**
 * oslo.messaging's RPCClient: `call` (wait for the reply) and `cast` (fire and forget) to a
 * target, with `prepare()` deriving clients with overrides. Replies come through the
 * transport's one shared reply queue (reply-waiter.ts).
 */
import { silentLogger, type Logger } from '../logging/logger.js';
import { packContext, withRequestId, type RequestContext } from './context.js';
import { encodeBody } from './envelope.js';
import { InvalidArgumentError } from '../errors.js';
import { renamedOption } from '../config/durations.js';
import { ClientSendError, InvalidTarget, MessagingException, RpcVersionCapError } from './errors.js';
import { hex32 } from './ids.js';
import { replyWaiterFor, type ReplyWaiter } from './reply-waiter.js';
import { convertEntries, NoOpSerializer, passesEntitiesThrough, type Serializer } from './serializer.js';
import { targetProblem, withOverrides, type Target, type TargetFields } from './target.js';
import type { Transport } from './transports/transport.js';
import type { VersionCapSource } from './upgrade-levels.js';
import { versionIsCompatible } from './version.js';
import type { RpcObserver } from '../metrics/observers.js';

export interface RpcClientOptions {
  /** Seconds a call waits for its reply (`rpc_response_timeout`, 60); also the request's expiration. */
  readonly timeoutSeconds?: number;
  /** @deprecated The same seconds under their older name: use `timeoutSeconds`. */
  readonly timeout?: number;
  /**
   * Highest version this client may send; a higher target version fails before sending. A
   * VersionCapSource is read at every send (`[upgrade_levels] TOPIC = auto`, upgrade-levels.ts).
   */
  readonly versionCap?: string | VersionCapSource;
  /** Seconds without a heartbeat after which a call fails; sent as `_timeout` (integer ≥ 2 for server heartbeats). */
  readonly callMonitorTimeoutSeconds?: number;
  /** @deprecated The same seconds under their older name: use `callMonitorTimeoutSeconds`. */
  readonly callMonitorTimeout?: number;
  readonly serializer?: Serializer;
  /**
   * What a request to a topic with no queue does. Unset (default): on RabbitMQ it is published
   * mandatory and published again with backoff until a queue takes it, up to the call's timeout
   * or `rpc_cast_timeout` for a cast, then fails with MessageDeliveryFailure (a fanout cast is
   * fire-and-forget); on the embedded transport as `false`. `true`: MessageDeliveryFailure at
   * once (oslo's `at_least_once`). `false`: dropped by the broker, as oslo's default (a call
   * then ends in MessagingTimeout).
   */
  readonly mandatory?: boolean;
  /** Exchange when the target names none (`control_exchange`, "openstack"). */
  readonly controlExchange?: string;
  readonly logger?: Logger;
  /** Told of every call and cast (framework metrics, `metrics_enabled`). */
  readonly metrics?: RpcObserver;
}

/** What `prepare()` may override: target fields and client options. */
export type RpcClientOverrides = Partial<TargetFields> & Partial<RpcClientOptions>;

const OPTION_KEYS: readonly (keyof RpcClientOptions)[] = [
  'timeoutSeconds',
  'timeout',
  'versionCap',
  'callMonitorTimeoutSeconds',
  'callMonitorTimeout',
  'serializer',
  'mandatory',
  'controlExchange',
  'logger',
  'metrics',
];

/** Options under their unit-named keys only: a deprecated name given becomes its new one (unset stays unset). */
function currentNames(options: RpcClientOptions): RpcClientOptions {
  const { timeout: _timeout, callMonitorTimeout: _callMonitorTimeout, ...rest } = options;
  const timeoutSeconds = renamedOption(options, 'timeoutSeconds', 'timeout', 'RpcClient options');
  const callMonitorTimeoutSeconds = renamedOption(options, 'callMonitorTimeoutSeconds', 'callMonitorTimeout', 'RpcClient options');
  return {
    ...rest,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(callMonitorTimeoutSeconds === undefined ? {} : { callMonitorTimeoutSeconds }),
  };
}

let silent: Logger | undefined;
/** One shared silent logger: prepare() makes many clients. */
function quiet(): Logger {
  silent ??= silentLogger();
  return silent;
}

/** `work` timed and reported to `metrics` when it settles. */
async function observed<T>(metrics: RpcObserver, kind: 'call' | 'cast', work: Promise<T>): Promise<T> {
  const startMs = performance.now();
  try {
    const value = await work;
    metrics.made(kind, (performance.now() - startMs) / 1000, undefined);
    return value;
  } catch (error) {
    metrics.made(kind, (performance.now() - startMs) / 1000, error);
    throw error;
  }
}

/** An RPC client bound to a target; the transport must be started by its owner. */
export class RpcClient {
  readonly #transport: Transport;
  readonly #target: Target;
  readonly #options: RpcClientOptions;
  readonly #logger: Logger;
  readonly #serializer: Serializer;
  /** The serializer leaves arguments as they are (no per-argument copy). */
  readonly #passThrough: boolean;
  /** The target with its exchange filled in: it is frozen, so this is done once, not per call. */
  readonly #resolved: Target & { readonly exchange: string };
  /** Why the target is unusable: every send throws it, as oslo's do. */
  readonly #targetProblem: string | undefined;

  constructor(transport: Transport, target: Target, options: RpcClientOptions = {}) {
    const named = currentNames(options);
    const timeoutSeconds = named.timeoutSeconds ?? 60;
    if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds))
      throw new InvalidArgumentError('options.timeoutSeconds must be a positive number of seconds');
    const cm = named.callMonitorTimeoutSeconds;
    if (cm !== undefined && (!(cm > 0) || !Number.isFinite(cm)))
      throw new InvalidArgumentError('options.callMonitorTimeoutSeconds must be a positive number of seconds');
    this.#transport = transport;
    this.#target = Object.freeze({ ...target });
    this.#options = Object.freeze({ ...named, timeoutSeconds });
    this.#logger = options.logger ?? quiet();
    this.#serializer = options.serializer ?? new NoOpSerializer();
    this.#passThrough = passesEntitiesThrough(this.#serializer);
    this.#targetProblem = targetProblem(this.#target);
    this.#resolved = Object.freeze({ ...this.#target, exchange: this.#target.exchange ?? options.controlExchange ?? 'openstack' });
  }

  /** The client's target. */
  get target(): Target {
    return this.#target;
  }

  /** A client with some target fields or options replaced (oslo's prepare()). */
  prepare(overrides: RpcClientOverrides): RpcClient {
    const targetOverrides: Record<string, unknown> = {};
    const optionOverrides: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) continue;
      if ((OPTION_KEYS as readonly string[]).includes(key)) optionOverrides[key] = value;
      else targetOverrides[key] = value;
    }
    // Overrides under a deprecated name replace the current one, not sit beside it.
    return new RpcClient(this.#transport, withOverrides(this.#target, targetOverrides), {
      ...this.#options,
      ...currentNames(optionOverrides as RpcClientOptions),
    });
  }

  /** True when `version` (default: the target's) is within the version cap. */
  canSendVersion(version: string | undefined = this.#target.version): boolean {
    return versionIsCompatible(this.versionCap, version);
  }

  /** The version cap now (a VersionCapSource's current one); undefined when uncapped. */
  get versionCap(): string | undefined {
    const cap = this.#options.versionCap;
    return typeof cap === 'object' ? cap.versionCap : cap;
  }

  /** Call `method` and wait for its result. Rejects with MessagingTimeout, RemoteError, NoSuchMethod, ... */
  call<T = unknown>(ctx: RequestContext, method: string, args: Record<string, unknown> = {}): Promise<T> {
    const metrics = this.#options.metrics;
    return metrics ? observed(metrics, 'call', this.#call<T>(ctx, method, args)) : this.#call<T>(ctx, method, args);
  }

  /**
   * A call. Once the reply queue is declared (every call but the first few) it runs without an
   * async frame: the reply's own promise is the call's when the serializer changes nothing.
   */
  #call<T>(ctx: RequestContext, method: string, args: Record<string, unknown>): Promise<T> {
    const waiter = replyWaiterFor(this.#transport, this.#logger);
    const replyQueue = waiter.declaredQueue;
    if (replyQueue === undefined) return this.#callOnceDeclared<T>(waiter, ctx, method, args);
    try {
      this.#checkCallable();
      const prepared = this.#prepareMessage(ctx, method, args);
      const reply = this.#startCall(waiter, replyQueue, prepared);
      const { wireCtx } = prepared;
      if (this.#passThrough) return reply as Promise<T>;
      return reply.then((result) => this.#serializer.deserializeEntity(wireCtx, result) as T);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A call that declares the reply queue first (the first call on a transport). */
  async #callOnceDeclared<T>(waiter: ReplyWaiter, ctx: RequestContext, method: string, args: Record<string, unknown>): Promise<T> {
    this.#checkCallable();
    const prepared = this.#prepareMessage(ctx, method, args);
    const replyQueue = waiter.declaredQueue ?? (await this.#send(prepared.target, () => waiter.replyQueue()));
    const reply = this.#startCall(waiter, replyQueue, prepared);
    return this.#serializer.deserializeEntity(prepared.wireCtx, await reply) as T;
  }

  #checkCallable(): void {
    if (this.#target.fanout) throw new InvalidTarget('a fanout target cannot be called (cast only)', this.#target);
  }

  /** Publish a prepared call's request; returns its reply's promise. Throws what the caller rejects with. */
  #startCall(waiter: ReplyWaiter, replyQueue: string, { message, target }: PreparedMessage): Promise<unknown> {
    const msgId = hex32();
    const timeoutMs = Math.max(1, Math.round(this.#options.timeoutSeconds! * 1000));
    const cm = this.#options.callMonitorTimeoutSeconds;
    message._msg_id = msgId;
    message._reply_q = replyQueue;
    message._timeout = cm ?? null;
    const body = this.#encode(target, message);
    const reply = waiter.wait(msgId, { timeoutMs, callMonitorMs: cm === undefined ? undefined : cm * 1000 });
    // The call's timeout bounds the publish too (a publish stuck in a broker outage must not
    // stretch a 2 s call to the publish's own bound); a failed publish fails the call with its
    // own error at once.
    let published: Promise<void>;
    try {
      published = this.#transport.publish({ target, body, expirationMs: timeoutMs, mandatory: this.#options.mandatory, confirmLate: true });
    } catch (error) {
      published = Promise.reject(error);
    }
    // One handler for the rejection only: a confirmed publish settles nothing more per call.
    published.then(undefined, (error: unknown) => waiter.fail(msgId, sendError(target, error)));
    return reply;
  }

  /**
   * Send `method` without waiting for a result; resolves once the transport took the message (on
   * RabbitMQ: once the broker confirmed it into a queue, see `mandatory`).
   */
  cast(ctx: RequestContext, method: string, args: Record<string, unknown> = {}): Promise<void> {
    const metrics = this.#options.metrics;
    return metrics ? observed(metrics, 'cast', this.#cast(ctx, method, args)) : this.#cast(ctx, method, args);
  }

  async #cast(ctx: RequestContext, method: string, args: Record<string, unknown>): Promise<void> {
    const { message, target } = this.#prepareMessage(ctx, method, args);
    const body = this.#encode(target, message);
    await this.#send(target, () => this.#transport.publish({ target, body, mandatory: this.#options.mandatory }));
  }

  #prepareMessage(ctx: RequestContext, method: string, args: Record<string, unknown>): PreparedMessage {
    if (this.#targetProblem !== undefined) throw new InvalidTarget(this.#targetProblem, this.#target);
    const target = this.#resolved;
    if (typeof method !== 'string' || method === '') throw new InvalidArgumentError('method must be a non-empty string');
    const cap = this.versionCap;
    if (cap !== undefined && !versionIsCompatible(cap, target.version)) {
      throw new RpcVersionCapError(target.version ?? 'None', cap);
    }
    const serializer = this.#serializer;
    const wireCtx = withRequestId(serializer.serializeContext(ctx));
    const message: Record<string, unknown> = { method, args: this.#wireArgs(ctx, args) };
    if (target.namespace !== undefined) message.namespace = target.namespace;
    if (target.version !== undefined) message.version = target.version;
    // oslo's duplicate filter reads `_unique_id`: a broker may redeliver a message the server
    // already took. The embedded router never does (a server acks as its work starts, and only
    // unstarted deliveries go back), and only our processes read it: left out there (envelope.ts).
    if (this.#transport.bodyFormat !== 'plain') message._unique_id = hex32();
    packContext(message, wireCtx);
    return { message, wireCtx, target };
  }

  /** The arguments as the serializer puts them on the wire; a plain object as it is when it changes nothing. */
  #wireArgs(ctx: RequestContext, args: Record<string, unknown>): Record<string, unknown> {
    if (this.#passThrough && isPlainObject(args)) return args;
    return convertEntries(args, (value) => this.#serializer.serializeEntity(ctx, value));
  }

  #encode(target: Target, message: Record<string, unknown>): string {
    try {
      return encodeBody(message, this.#transport.bodyFormat);
    } catch (error) {
      throw new ClientSendError(target, error);
    }
  }

  /** Run a transport step; errors other than our own become ClientSendError. */
  #send<T>(target: Target, step: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = step();
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.catch((error: unknown) => {
      throw sendError(target, error);
    });
  }
}

/** A request's message dict before its reply fields, the context as sent, and the resolved target. */
interface PreparedMessage {
  readonly message: Record<string, unknown>;
  readonly wireCtx: RequestContext;
  readonly target: Target & { readonly exchange: string };
}

/** An object literal (or null-prototype object): JSON encodes its own enumerable entries, as a copy would hold. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A transport's error as the caller sees it: ours as they are, others as ClientSendError. */
function sendError(target: Target, error: unknown): Error {
  return error instanceof MessagingException ? error : new ClientSendError(target, error);
}
