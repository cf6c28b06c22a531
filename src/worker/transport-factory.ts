/**
 * The worker's RPC transport: RabbitMQ when transport_url is set, otherwise the embedded
 * single-host transport over the IPC channel to the launcher's router.
 */
import type { Config } from '../config/options.js';
import type { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerPayload } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';
import type { StartRetry } from '../rpc/transports/amqp/index.js';
import type { Transport } from '../rpc/transports/transport.js';
import { EmbeddedTransport, frameBatcher, framesOf, unixPeerNetwork } from '../rpc/transports/embedded/index.js';

/** Build (not start) the transport this configuration asks for. */
export async function createTransport(
  config: Config,
  channel: IpcChannel<PrimaryPayload, WorkerPayload>,
  logger: Logger,
): Promise<Transport> {
  if (config.transport_url) {
    // Loaded only when used: a broker-less deployment never loads amqplib.
    const { AmqpTransport } = await import('../rpc/transports/amqp/index.js');
    const transport = new AmqpTransport({ url: config.transport_url, config, logger });
    // A broker not there at start is retried forever; each attempt tells the launcher this
    // worker is waiting, not hung (its start timeout counts from there).
    transport.on('retrying', (retry: StartRetry) =>
      channel.send({
        type: 'start-waiting',
        waitingFor: `AMQP broker ${retry.broker}`,
        attempt: retry.attempt,
        nextDelayMs: retry.nextDelayMs,
        attemptTimeoutMs: retry.attemptTimeoutMs,
      }),
    );
    return transport;
  }
  return new EmbeddedTransport(
    {
      send: frameBatcher((frames) => void channel.send({ type: 'transport', frames }), 'iteration'),
      onFrame: (handler) =>
        void channel.handle('transport', (message) => {
          for (const frame of framesOf(message)) handler(frame);
        }),
    },
    // Calls and replies go straight between workers; the launcher's router keeps the rest.
    { logger, peers: unixPeerNetwork() },
  );
}
