/** The RabbitMQ transport (oslo.messaging's rabbit driver, over amqplib): re-exports only. */
export { AmqpTransport, type AmqpTransportOptions } from './transport.js';
export { BrokerConnectError, BrokerDeclareError, BrokerTlsError, BrokerUnavailable } from './errors.js';
export type { StartRetry } from './connection.js';
export { parseTransportUrl, type TransportUrl, type BrokerHost } from './url.js';
