/** The embedded single-host transport: the router (launcher side) and the transport (worker side). */
export { EmbeddedRouter, type EmbeddedRouterOptions, type EmbeddedRouterStartOptions, type RouterLink } from './router.js';
export { EmbeddedTransport, EmbeddedTransportError, type EmbeddedLink, type EmbeddedTransportOptions } from './transport.js';
export { inProcessLink } from './in-process-link.js';
export { connectEmbeddedSocket, defaultEmbeddedSocketPath } from './socket-client.js';
export { frameBatcher, framesOf, MAX_BATCH_FRAMES } from './frame-batch.js';
export type { PeerConnection, PeerNetwork } from './peer-link.js';
export { removePeerSocket, unixPeerNetwork } from './peer-socket.js';
export type { ClientFrame, RouterFrame } from './frames.js';
