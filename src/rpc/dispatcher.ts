/**
 * Picks the endpoint and method for a request, with oslo's order and error mapping
 * (docs/protocol/versions.md, server steps 5–7), and an allow-list access policy: only a manager's own
 * public methods are callable, never anything inherited from Object.prototype or a marked base.
 */
import type { RequestContext } from './context.js';
import { NoSuchMethod, UnsupportedVersion } from './errors.js';
import { versionIsCompatible } from './version.js';

/**
 * Marker for base classes whose methods are never RPC methods: set it as an own static property
 * (`static [RPC_BASE] = true`) and the allow-list stops at that class's prototype.
 */
export const RPC_BASE: unique symbol = Symbol.for('oslo-node.rpc.base') as never;

/** What an endpoint may declare about itself (oslo's endpoint `target`). */
export interface EndpointTarget {
  readonly namespace?: string | null;
  readonly version?: string | null;
}

/** A request as the dispatcher needs it. `version` null is an explicit null from the wire. */
export interface DispatchRequest {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly namespace: string | null;
  readonly version: string | null;
}

type RpcMethod = (this: object, ctx: RequestContext, args: Record<string, unknown>) => unknown;

const DEFAULT_VERSION = '1.0';

function readTarget(endpoint: object): { namespace: string | null; version: string } {
  const target = (endpoint as { target?: unknown }).target;
  if (typeof target !== 'object' || target === null) return { namespace: null, version: DEFAULT_VERSION };
  const { namespace, version } = target as EndpointTarget;
  // oslo: `target.version or '1.0'`.
  return { namespace: typeof namespace === 'string' ? namespace : null, version: version || DEFAULT_VERSION };
}

function isMarkedBase(proto: object): boolean {
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  return typeof ctor === 'function' && Object.hasOwn(ctor, RPC_BASE) && (ctor as unknown as Record<symbol, unknown>)[RPC_BASE] === true;
}

function asMethod(descriptor: PropertyDescriptor | undefined): RpcMethod | undefined {
  // Accessors are refused without being invoked: a getter could run code.
  if (!descriptor || !('value' in descriptor)) return undefined;
  return typeof descriptor.value === 'function' ? (descriptor.value as RpcMethod) : undefined;
}

/** True when a marked base class on `proto`'s chain defines `name` (so `name` is a framework hook). */
function definedByMarkedBase(proto: object, name: string): boolean {
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (isMarkedBase(p) && Object.hasOwn(p, name)) return true;
  }
  return false;
}

/**
 * The RPC method `name` of `endpoint`, or undefined when the allow-list refuses it. Allowed:
 * a function data property on the endpoint's prototype chain below Object.prototype and below
 * any RPC_BASE-marked class, or an own function property of a plain-object endpoint. Refused:
 * `_`-prefixed names, `constructor`, accessors, everything else, and any name a marked base
 * defines: a subclass overriding a framework hook (Manager's `initHost`, say) does not turn it
 * into an endpoint.
 */
export function findRpcMethod(endpoint: object, name: string): RpcMethod | undefined {
  if (typeof name !== 'string' || name === '' || name.startsWith('_') || name === 'constructor') return undefined;
  const proto: object | null = Object.getPrototypeOf(endpoint);
  if (proto === null || proto === Object.prototype) return asMethod(Object.getOwnPropertyDescriptor(endpoint, name));
  if (definedByMarkedBase(proto, name)) return undefined;
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (isMarkedBase(p)) return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(p, name);
    if (descriptor) return asMethod(descriptor);
  }
  return undefined;
}

/** oslo's RPCDispatcher over a fixed list of endpoints. */
export class RpcDispatcher {
  readonly #endpoints: readonly { endpoint: object; namespace: string | null; version: string }[];

  constructor(endpoints: readonly object[]) {
    this.#endpoints = endpoints.map((endpoint) => ({ endpoint, ...readTarget(endpoint) }));
  }

  /**
   * Run the request on the first endpoint whose namespace and version match and that allows the
   * method. Throws NoSuchMethod when a compatible endpoint exists but none has the method (or the
   * policy hides it), UnsupportedVersion when no endpoint is compatible (namespace mismatch too).
   */
  dispatch(ctx: RequestContext, request: DispatchRequest): Promise<unknown> {
    // Not an async function: the method's promise (or value) is adopted as it is, without an
    // async frame and an await per call; a throw still becomes a rejection.
    try {
      let compatible = false;
      for (const { endpoint, namespace, version } of this.#endpoints) {
        if (request.namespace !== namespace) continue;
        if (!versionIsCompatible(version, request.version)) continue;
        compatible = true;
        const method = findRpcMethod(endpoint, request.method);
        if (method) return Promise.resolve(method.call(endpoint, ctx, request.args));
      }
      if (compatible) throw new NoSuchMethod(request.method);
      throw new UnsupportedVersion(request.version === null ? 'None' : request.version, request.method);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
