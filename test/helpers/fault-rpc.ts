/**
 * RPC clients and broker control for the fault suite: an RpcClient on a launcher's embedded
 * socket or on RabbitMQ, a private broker (scripts/rabbitmq.sh with its own folder, so stopping
 * it cannot disturb tests on the shared broker), and rabbitmqctl counts.
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { execa } from 'execa';
import { loadConfig, type Config, type OptionName } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging/logger.js';
import { RpcClient } from '../../src/rpc/client.js';
import { AmqpTransport } from '../../src/rpc/transports/amqp/index.js';
import { connectEmbeddedSocket } from '../../src/rpc/transports/embedded/socket-client.js';

/** Repository root (dist/test/helpers → ../../..). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RABBITMQ_SH = `${ROOT}scripts/rabbitmq.sh`;

function config(overrides: Partial<Record<OptionName, unknown>>): Config {
  const { config: base } = loadConfig([], {});
  return Object.freeze({ ...base, ...overrides }) as Config;
}

/** An RpcClient for topic `demo` through a launcher's embedded unix socket; closed after the test. */
export async function embeddedClient(t: TestContext, socketPath: string, timeoutSeconds = 10): Promise<RpcClient> {
  const transport = await connectEmbeddedSocket(socketPath);
  t.after(() => transport.stop());
  return new RpcClient(transport, { topic: 'demo' }, { timeout: timeoutSeconds });
}

/** An RpcClient for topic `demo` on RabbitMQ with the given control exchange; stopped after the test. */
export async function amqpClient(
  t: TestContext,
  url: string,
  exchange: string,
  options: { timeoutSeconds?: number; overrides?: Partial<Record<OptionName, unknown>> } = {},
): Promise<{ client: RpcClient; transport: AmqpTransport }> {
  const transport = new AmqpTransport({ url, config: config({ control_exchange: exchange, ...options.overrides }), logger: silentLogger() });
  t.after(() => transport.stop());
  await transport.start();
  return { client: new RpcClient(transport, { topic: 'demo' }, { timeout: options.timeoutSeconds ?? 10, controlExchange: exchange }), transport };
}

/** `scripts/rabbitmq.sh ARGS`, against the broker in `dir` (default: the shared test broker). */
export async function rabbit(args: string[], dir?: string): Promise<string> {
  const env: Record<string, string> = dir ? { OSLO_NODE_RABBITMQ_DIR: dir } : {};
  const result = await execa('bash', [RABBITMQ_SH, ...args], { env, timeout: 120_000, stdin: 'ignore' });
  return result.stdout;
}

/** Start a private broker in its own folder; stopped and removed after the test. Resolves with its URL. */
export async function startPrivateBroker(t: TestContext, name: string): Promise<{ url: string; dir: string }> {
  const dir = `${ROOT}.tmp/rabbitmq-${name}-${process.pid}`;
  t.after(async () => {
    await rabbit(['stop'], dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const url = (await rabbit(['start'], dir)).trim().split('\n').pop()!;
  return { url, dir };
}

/** Rows of `rabbitmqctl list_queues` / `list_channels` (JSON formatter). */
export async function listJson<T = Record<string, unknown>>(what: 'list_queues' | 'list_channels' | 'list_connections' | 'list_consumers', dir?: string): Promise<T[]> {
  const text = (await rabbit([what], dir)).trim();
  return text ? (JSON.parse(text) as T[]) : [];
}
