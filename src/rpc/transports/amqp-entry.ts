/**
 * The `oslo-node/amqp` entry point: the RabbitMQ transport itself, for a program that builds one
 * by hand instead of through getRpcTransport(). Importing it loads amqplib (the root entry
 * point never does). `transportConfig()` makes the Config it takes from option values by oslo
 * name: `new AmqpTransport({ url, config: transportConfig({ config: { ssl: true } }), logger })`.
 */
export * from './amqp/index.js';
export { transportConfig, type TransportConfigOptions, type TransportConfigValues, type TransportOptionValue } from './transport-config.js';
