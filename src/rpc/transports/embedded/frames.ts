/**
 * The embedded transport's frames: a tiny AMQP-like protocol between a worker (or the rpc CLI)
 * and the router in the launcher. Frames are plain JSON objects, so they travel unchanged over
 * the cluster IPC channel and as newline-delimited JSON over the unix socket. Every frame is
 * validated on receipt; nothing here throws.
 */

/**
 * Worker → router. Frames with an `id` are answered by a `done` frame with the same id, except a
 * `quiet` publish, which is answered only when it fails (see RouterFrame for how its success is
 * told). The router handles a link's frames in order, so a `done` for id N also says that every
 * earlier frame of the link was handled.
 */
export type ClientFrame =
  /** `peer`: where other workers reach this one directly (direct.ts); absent for the rpc CLI. */
  | { readonly t: 'hello'; readonly id: number; readonly peer?: string }
  /**
   * Tell this link the consumers behind `exchange` + `key` (a `route` frame before the `done`),
   * and again whenever they change, so that it can send calls to them directly (direct.ts).
   */
  | { readonly t: 'watch'; readonly id: number; readonly exchange: string; readonly key: string }
  /** Forget this link's consumers and owned queues (transport stop) without dropping the link. */
  | { readonly t: 'reset'; readonly id: number }
  /** `owned` queues are deleted when the link goes away (fanout and reply queues). */
  | { readonly t: 'declare'; readonly id: number; readonly queue: string; readonly owned: boolean }
  | {
      readonly t: 'bind';
      readonly id: number;
      readonly queue: string;
      readonly exchange: string;
      readonly kind: ExchangeKind;
      readonly key: string;
    }
  | { readonly t: 'delete'; readonly id: number; readonly queue: string }
  /** `prefetch` 0 means unlimited; `autoAck` deliveries need no ack. */
  | {
      readonly t: 'consume';
      readonly id: number;
      readonly queue: string;
      readonly tag: string;
      readonly prefetch: number;
      readonly autoAck: boolean;
    }
  | { readonly t: 'cancel'; readonly id: number; readonly tag: string }
  /**
   * Exchange "" is the default exchange: the key is the queue name. `quiet`: the sender does not
   * wait for the confirm (a call's request, a reply), so only a failure is answered at once.
   */
  | {
      readonly t: 'publish';
      readonly id: number;
      readonly exchange: string;
      readonly key: string;
      readonly body: string;
      readonly mandatory: boolean;
      readonly expirationMs?: number;
      readonly quiet?: boolean;
    }
  | { readonly t: 'ack'; readonly delivery: number }
  | { readonly t: 'reject'; readonly delivery: number }
  /** Reject with requeue: the message goes back to the head of its queue. */
  | { readonly t: 'requeue'; readonly delivery: number };

export type ExchangeKind = 'topic' | 'fanout';

/** Why an operation failed. `unroutable`: a mandatory publish reached no queue. */
export type FrameErrorCode = 'unroutable' | 'not-found' | 'invalid';

/**
 * Router → worker. A `done` for id N settles that operation and confirms every earlier quiet
 * publish of the link that got no failure answer; so does `seen: N` on a delivery. The router
 * sends the confirmation of quiet publishes with the link's next frame, or after a short idle
 * time when none comes (broker.ts).
 */
export type RouterFrame =
  | { readonly t: 'done'; readonly id: number; readonly error?: { readonly code: FrameErrorCode; readonly message: string } }
  | { readonly t: 'deliver'; readonly tag: string; readonly delivery: number; readonly body: string; readonly seen?: number }
  /**
   * The consumers a publish to `exchange` + `key` reaches, as [peer, tag, prefetch] (a watched
   * route, direct.ts): every consumer of the one queue bound there, each in a worker reachable
   * directly. Empty: publish through the router (no queue, several queues, a consumer that is
   * not a worker, the default exchange).
   */
  | { readonly t: 'route'; readonly exchange: string; readonly key: string; readonly to: readonly RouteConsumer[] };

/** One consumer of a watched route: the worker's peer address, the consumer's tag and prefetch. */
export type RouteConsumer = readonly [peer: string, tag: string, prefetch: number];

const NAME_MAX = 255;

type Checker = (value: unknown) => boolean;
const isName: Checker = (v) => typeof v === 'string' && v.length <= NAME_MAX;
const isNonEmptyName: Checker = (v) => isName(v) && (v as string).length > 0;
const isId: Checker = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isBool: Checker = (v) => typeof v === 'boolean';
const isString: Checker = (v) => typeof v === 'string';
const isKind: Checker = (v) => v === 'topic' || v === 'fanout';
const isCount: Checker = (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 1_000_000;
const isOptionalMs: Checker = (v) => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
const isOptionalBool: Checker = (v) => v === undefined || typeof v === 'boolean';
const isOptionalId: Checker = (v) => v === undefined || isId(v);
const isOptionalName: Checker = (v) => v === undefined || isNonEmptyName(v);
const isRouteConsumers: Checker = (v) =>
  Array.isArray(v) && v.every((c) => Array.isArray(c) && c.length === 3 && isNonEmptyName(c[0]) && isNonEmptyName(c[1]) && isCount(c[2]));

/** Required fields and their checks, per frame type. */
const CLIENT_SHAPES: Readonly<Record<ClientFrame['t'], Readonly<Record<string, Checker>>>> = {
  hello: { id: isId, peer: isOptionalName },
  watch: { id: isId, exchange: isName, key: isName },
  reset: { id: isId },
  declare: { id: isId, queue: isNonEmptyName, owned: isBool },
  bind: { id: isId, queue: isNonEmptyName, exchange: isName, kind: isKind, key: isName },
  delete: { id: isId, queue: isNonEmptyName },
  consume: { id: isId, queue: isNonEmptyName, tag: isNonEmptyName, prefetch: isCount, autoAck: isBool },
  cancel: { id: isId, tag: isNonEmptyName },
  publish: {
    id: isId,
    exchange: isName,
    key: isName,
    body: isString,
    mandatory: isBool,
    expirationMs: isOptionalMs,
    quiet: isOptionalBool,
  },
  ack: { delivery: isId },
  reject: { delivery: isId },
  requeue: { delivery: isId },
};

const ROUTER_SHAPES: Readonly<Record<RouterFrame['t'], Readonly<Record<string, Checker>>>> = {
  done: {
    id: isId,
    error: (v) => v === undefined || (typeof v === 'object' && v !== null && isString((v as { message?: unknown }).message)),
  },
  deliver: { tag: isNonEmptyName, delivery: isId, body: isString, seen: isOptionalId },
  route: { exchange: isName, key: isName, to: isRouteConsumers },
};

type Shapes = Readonly<Record<string, Readonly<Record<string, Checker>>>>;

/** Per frame type, its field checks as an array: read once, not with Object.entries per frame. */
function compile(shapes: Shapes): Map<string, readonly (readonly [string, Checker])[]> {
  return new Map(Object.entries(shapes).map(([type, shape]) => [type, Object.entries(shape)]));
}

function check<F>(frame: unknown, fields: Map<string, readonly (readonly [string, Checker])[]>): F | undefined {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return undefined;
  const type = (frame as { t?: unknown }).t;
  const checks = typeof type === 'string' ? fields.get(type) : undefined;
  if (!checks) return undefined;
  for (let i = 0; i < checks.length; i++) {
    const [field, ok] = checks[i]!;
    if (!ok((frame as Record<string, unknown>)[field])) return undefined;
  }
  return frame as F;
}

const CLIENT_FIELDS = compile(CLIENT_SHAPES);
const ROUTER_FIELDS = compile(ROUTER_SHAPES);

/** The frame as a ClientFrame, or undefined when it is malformed. */
export function parseClientFrame(frame: unknown): ClientFrame | undefined {
  return check<ClientFrame>(frame, CLIENT_FIELDS);
}

/** The frame as a RouterFrame, or undefined when it is malformed. */
export function parseRouterFrame(frame: unknown): RouterFrame | undefined {
  return check<RouterFrame>(frame, ROUTER_FIELDS);
}
