/**
 * A started transport for a command-line tool: RabbitMQ when a transport URL is given, otherwise
 * the launcher's embedded transport through its unix socket.
 */
import type { Logger } from '../../logging/logger.js';
import type { Config } from '../../config/options.js';
import { connectEmbeddedSocket, defaultEmbeddedSocketPath } from './embedded/socket-client.js';
import type { Transport } from './transport.js';

export async function openCliTransport(config: Config, logger: Logger, url: string | undefined = config.transport_url): Promise<Transport> {
  if (url) {
    // Loaded only when used: the embedded path should not pay for amqplib.
    const { AmqpTransport } = await import('./amqp/index.js');
    // A tool reports an absent broker at once rather than waiting for it.
    const transport = new AmqpTransport({ url, config, logger, retryStart: false });
    await transport.start();
    return transport;
  }
  return await connectEmbeddedSocket(config.embedded_socket ?? defaultEmbeddedSocketPath({ create: false }), { logger });
}
