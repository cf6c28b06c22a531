/**
 * RPC clients for tests that drive a launcher: an RpcClient on its embedded unix socket, or on
 * RabbitMQ with a given control exchange (broker control lives in broker.ts).
 */
import type { TestContext } from 'node:test';
import type { OptionName } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging/logger.js';
import { RpcClient } from '../../src/rpc/client.js';
import { AmqpTransport } from '../../src/rpc/transports/amqp/index.js';
import { connectEmbeddedSocket } from '../../src/rpc/transports/embedded/socket-client.js';
import { testConfig } from './config.js';

/** An RpcClient for topic `demo` through a launcher's embedded unix socket; closed after the test. */
export async function embeddedClient(t: TestContext, socketPath: string, timeoutSeconds = 10): Promise<RpcClient> {
  const transport = await connectEmbeddedSocket(socketPath);
  t.after(() => transport.stop());
  return new RpcClient(transport, { topic: 'demo' }, { timeoutSeconds });
}

/** An RpcClient for topic `demo` on RabbitMQ with the given control exchange; stopped after the test. */
export async function amqpClient(
  t: TestContext,
  url: string,
  exchange: string,
  options: { timeoutSeconds?: number; overrides?: Partial<Record<OptionName, unknown>> } = {},
): Promise<{ client: RpcClient; transport: AmqpTransport }> {
  const transport = new AmqpTransport({
    url,
    config: testConfig({ control_exchange: exchange, ...options.overrides }),
    logger: silentLogger(),
  });
  t.after(() => transport.stop());
  await transport.start();
  return {
    client: new RpcClient(transport, { topic: 'demo' }, { timeoutSeconds: options.timeoutSeconds ?? 10, controlExchange: exchange }),
    transport,
  };
}

/** One call of a load lane: when it started and ended (Date.now()), and how it failed. */
export interface CallOutcome {
  start: number;
  end?: number;
  error?: Error;
}

/**
 * Call `echo` with `n` without waiting for it (calls keep going out through a fault, as a
 * service's would); its outcome is pushed to `calls` now and completed when it settles. A wrong
 * echo counts as a failure.
 */
export function echoCall(client: RpcClient, n: number, calls: CallOutcome[]): void {
  const outcome: CallOutcome = { start: Date.now() };
  calls.push(outcome);
  void client
    .call({}, 'echo', { value: n })
    .then(
      (result) => {
        if (result !== n) outcome.error = new Error(`wrong echo: ${String(result)} for ${n}`);
      },
      (error: unknown) => (outcome.error = error as Error),
    )
    .finally(() => (outcome.end = Date.now()));
}
