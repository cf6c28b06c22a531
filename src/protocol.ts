/**
 * The `oslo-node/protocol` entry point: the oslo.messaging wire protocol's pieces, for tool
 * builders (a transport of your own, a proxy, a message inspector, a test peer), not for
 * service authors, who need none of them (the root entry point, src/index.ts). What each piece
 * does on the wire: docs/protocol/.
 */
// Dispatch: how an incoming method name and version find an endpoint's method.
export { RpcDispatcher, RPC_BASE, findRpcMethod, type EndpointTarget, type DispatchRequest } from './rpc/dispatcher.js';
// The request context as `_context_*` fields of a message.
export { packContext, unpackContext, type RequestContext } from './rpc/context.js';
// The 2.0 envelope around every body.
export { encodeEnvelope, decodeEnvelope, ENVELOPE_VERSION, type EnvelopeResult, type EnvelopeErrorCode } from './rpc/envelope.js';
export { versionIsCompatible } from './rpc/version.js';
// A remote failure as it travels in a reply.
export { serializeFailure, deserializeFailure, describeFailure, type FailureInfo } from './rpc/failure.js';
export { validateTarget, withOverrides, type Target, type TargetFields } from './rpc/target.js';
// What a transport implements and hands to the RPC server and the notification listener.
export type { Transport, Delivery, PublishRequest, Listener, NotifyRequest, NotificationBinding } from './rpc/transports/transport.js';
