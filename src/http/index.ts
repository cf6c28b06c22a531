/** The HTTP service on the shared socket: re-exports for the library API. */
export { HttpService, type HttpServiceOptions, type HttpServiceStats } from './http-service.js';
export { loadApp, isRequestListener, type AppContext, type AppFactory } from './app-loader.js';
export { loadTlsOptions, type TlsServerOptions } from './tls.js';
export { requestIdOf, REQUEST_ID_HEADER } from './request-id.js';
export { compileLogFormat } from './log-format.js';
