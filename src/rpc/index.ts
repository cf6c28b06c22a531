/**
 * The public RPC API: targets, client, server, errors. The protocol (docs/protocol/) lives here
 * once; transports only move bodies. Its pieces, for a transport or a tool: src/protocol.ts
 * (`oslo-node/protocol`).
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
export type { EndpointTarget } from './dispatcher.js';
export { NoOpSerializer, type Serializer } from './serializer.js';
export { withRequestId, type RequestContext } from './context.js';
export type { Target, TargetFields } from './target.js';
export * from './errors.js';
export type { Transport } from './transports/transport.js';
