/**
 * The public RPC API: targets, client, server, errors, and the pieces a transport or tool needs.
 * The protocol (docs/protocol/) lives here once; transports only move bodies.
 *
 * Deliberate differences from oslo.messaging 14.0.3:
 * - the endpoint's context does not get `client_timeout` (oslo leaks `_timeout` into it);
 * - call-monitor heartbeats stop on every outcome, NoSuchMethod/UnsupportedVersion included;
 * - the access policy is an allow-list (see dispatcher.ts); a non-callable attribute such as
 *   `target` gives NoSuchMethod, not oslo's TypeError;
 * - malformed requests that carry a reply address are answered with an `InvalidMessage` failure
 *   instead of being dropped; requests with fields oslo never sends are refused the same way;
 * - a reply retrying a missing reply queue does not hold an executor slot;
 * - `mandatory` fails a request to an unbound topic at once (oslo: `at_least_once`).
 */
export { RpcClient, type RpcClientOptions, type RpcClientOverrides } from './client.js';
export { RpcServer, type RpcServerOptions, type RpcServerStats } from './server.js';
export { RpcDispatcher, RPC_BASE, findRpcMethod, type EndpointTarget, type DispatchRequest } from './dispatcher.js';
export { NoOpSerializer, type Serializer } from './serializer.js';
export { withRequestId, packContext, unpackContext, type RequestContext } from './context.js';
export { encodeEnvelope, decodeEnvelope, ENVELOPE_VERSION, type EnvelopeResult, type EnvelopeErrorCode } from './envelope.js';
export { versionIsCompatible } from './version.js';
export { serializeFailure, deserializeFailure, describeFailure, type FailureInfo } from './failure.js';
export { validateTarget, withOverrides, type Target, type TargetFields } from './target.js';
export * from './errors.js';
export type { Transport, Delivery, PublishRequest, Listener, NotifyRequest, NotificationBinding } from './transports/transport.js';
