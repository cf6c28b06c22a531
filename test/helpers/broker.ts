/**
 * The RabbitMQ brokers for integration tests. `scripts/rabbitmq.sh start` writes its URL to
 * .tmp/rabbitmq/url (OSLO_NODE_TEST_TRANSPORT_URL overrides it); the RabbitMQ 4 broker
 * (`scripts/rabbitmq.sh --rabbitmq4 start`, from the Debian trixie root) to .tmp/rabbitmq4/url
 * (OSLO_NODE_TEST_RABBITMQ4_URL overrides it; scripts/run-tests.mjs sets it). In CI (CI=true) a
 * missing broker fails the test; on a developer machine without one the test is skipped with a
 * reason (`withBroker`, `withRabbitmq4`). Also: private brokers, rabbitmqctl listings, and AMQP
 * transports with their cleanup.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import type { TestContext } from 'node:test';
import { execa } from 'execa';
import type { OptionName } from '../../src/config/index.js';
import { silentLogger, type Logger } from '../../src/logging/logger.js';
import { AmqpTransport } from '../../src/rpc/transports/amqp/index.js';
import type { Delivery } from '../../src/rpc/transports/transport.js';
import { ROOT, testConfig } from './config.js';
import { until } from './wait.js';

const URL_FILE = `${ROOT}.tmp/rabbitmq/url`;
const RABBITMQ4_URL_FILE = `${ROOT}.tmp/rabbitmq4/url`;
const RABBITMQ_SH = `${ROOT}scripts/rabbitmq.sh`;

function urlFrom(envValue: string | undefined, file: string): string | undefined {
  if (envValue) return envValue;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The broker URL the test run should use, or undefined when none is configured. */
export function brokerUrl(): string | undefined {
  return urlFrom(process.env.OSLO_NODE_TEST_TRANSPORT_URL, URL_FILE);
}

/** The RabbitMQ 4 broker's URL (transient non-exclusive queues denied), or undefined. */
export function rabbitmq4Url(): string | undefined {
  return urlFrom(process.env.OSLO_NODE_TEST_RABBITMQ4_URL, RABBITMQ4_URL_FILE);
}

function reachable(url: string): Promise<boolean> {
  const parsed = new URL(url.split(',')[0]!.replace(/^rabbit:/, 'amqp:'));
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.hostname, port: Number(parsed.port || 5672) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/**
 * The broker URL, or undefined after marking `t` skipped (with the reason) on a developer machine
 * without a broker. Throws in CI when the broker is missing, so the run fails instead of skipping.
 * Use: `const url = await withBroker(t); if (!url) return;`
 */
export function withBroker(t: TestContext): Promise<string | undefined> {
  return withReachable(t, brokerUrl(), 'RabbitMQ', 'scripts/rabbitmq.sh start');
}

/** withBroker() for the RabbitMQ 4 broker of the trixie root. */
export function withRabbitmq4(t: TestContext): Promise<string | undefined> {
  return withReachable(t, rabbitmq4Url(), 'RabbitMQ 4', 'scripts/rabbitmq.sh --rabbitmq4 start');
}

async function withReachable(t: TestContext, url: string | undefined, name: string, howToStart: string): Promise<string | undefined> {
  if (url !== undefined && (await reachable(url))) return url;
  const why = url ? `${name} at ${url.replace(/:[^:@/]*@/, ':***@')} is not reachable` : `no ${name} configured (run ${howToStart})`;
  if (process.env.CI === 'true') throw new Error(`${why}; integration tests need the broker in CI`);
  t.skip(why);
  return undefined;
}

/** A topic no other test uses (tests share one broker and may run in parallel). */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A started AmqpTransport, stopped after the test. */
export async function startTransport(
  t: TestContext,
  url: string,
  overrides: Partial<Record<OptionName, unknown>> = {},
  logger: Logger = silentLogger(),
): Promise<AmqpTransport> {
  const transport = new AmqpTransport({ url, config: testConfig(overrides), logger });
  t.after(() => transport.stop());
  await transport.start();
  return transport;
}

/**
 * A server transport listening on a fresh topic (server `node-1`) that holds every delivery
 * unsettled, and a client transport that published `count` bodies "0", "1", … to the topic;
 * resolves once all of them were delivered.
 */
export async function heldDeliveries(t: TestContext, url: string, topicPrefix: string, count: number) {
  const topic = uniqueTopic(topicPrefix);
  const server = await startTransport(t, url);
  const client = await startTransport(t, url);
  const held: Delivery[] = [];
  await server.listen({ exchange: 'openstack', topic, server: 'node-1' }, (delivery) => held.push(delivery));
  for (let i = 0; i < count; i++) await client.publish({ target: { exchange: 'openstack', topic }, body: `${i}` });
  await until(`${count} held deliveries`, () => held.length === count, { timeoutMs: 5000 });
  return { topic, server, held };
}

/**
 * `scripts/rabbitmq.sh ARGS`, against the broker in `dir` (default: the shared test broker);
 * `extraEnv` passes the script's start hooks (OSLO_NODE_RABBITMQ_EXTRA_CONF, ..._PLUGINS).
 */
export async function rabbit(args: string[], dir?: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const env: Record<string, string> = { ...extraEnv, ...(dir && { OSLO_NODE_RABBITMQ_DIR: dir }) };
  const result = await execa('bash', [RABBITMQ_SH, ...args], { env, timeout: 120_000, stdin: 'ignore' });
  return result.stdout;
}

/**
 * Start a private broker in its own folder; stopped and removed after the test. Resolves with its
 * URL. `flags`: RABBITMQ4 for a RabbitMQ 4 broker from the trixie root.
 */
export async function startPrivateBroker(
  t: TestContext,
  name: string,
  extraEnv: Record<string, string> = {},
  flags: readonly string[] = [],
): Promise<{ url: string; dir: string }> {
  const dir = `${ROOT}.tmp/rabbitmq-${name}-${process.pid}`;
  t.after(async () => {
    await rabbit(['stop'], dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const url = (await rabbit([...flags, 'start'], dir, extraEnv)).trim().split('\n').pop()!;
  return { url, dir };
}

/** `flags` of the list helpers that address the RabbitMQ 4 broker instead of the bookworm one. */
export const RABBITMQ4 = ['--rabbitmq4'] as const;

/**
 * A vhost of the test's own on the broker at `url` (guest may use it; deleted after the test):
 * its name, and `url` with it. Queue names do not carry oslo's exchange, and an exchange keeps
 * the flags of whoever declared it first: tests running at once on a shared broker whose servers
 * have the same topic (the demo's), or whose options make the exchange durable, need their own.
 * `flags`: RABBITMQ4 for that broker.
 */
export async function privateVhost(t: TestContext, url: string, flags: readonly string[] = []): Promise<{ url: string; name: string }> {
  const name = `test-${process.pid}-${randomBytes(3).toString('hex')}`;
  await rabbit([...flags, 'ctl', 'add_vhost', name]);
  t.after(() => rabbit([...flags, 'ctl', 'delete_vhost', name]).catch(() => undefined));
  await rabbit([...flags, 'ctl', 'set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  const withVhost = new URL(url);
  withVhost.pathname = `/${name}`;
  return { url: withVhost.toString(), name };
}

/** Rows of a `rabbitmqctl list_*` command (JSON formatter); `flags`: RABBITMQ4 for that broker. */
export async function listJson<T = Record<string, unknown>>(
  what: 'list_queues' | 'list_exchanges' | 'list_channels' | 'list_connections' | 'list_consumers',
  dir?: string,
  flags: readonly string[] = [],
): Promise<T[]> {
  const text = (await rabbit([...flags, what], dir)).trim();
  return text ? (JSON.parse(text) as T[]) : [];
}

export interface QueueRow {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: unknown;
  consumers: number;
  messages: number;
}

export interface ExchangeRow {
  name: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  internal: boolean;
  arguments: unknown;
}

/** `rabbitmqctl list_queues` as rows. */
export function listQueues(dir?: string, flags: readonly string[] = []): Promise<QueueRow[]> {
  return listJson<QueueRow>('list_queues', dir, flags);
}

/** `rabbitmqctl list_exchanges` as rows. */
export function listExchanges(dir?: string, flags: readonly string[] = []): Promise<ExchangeRow[]> {
  return listJson<ExchangeRow>('list_exchanges', dir, flags);
}
