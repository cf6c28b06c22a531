/**
 * The RabbitMQ brokers for integration tests. `scripts/rabbitmq.sh start` writes its URL to
 * .tmp/rabbitmq/url (OSLO_NODE_TEST_TRANSPORT_URL overrides it); the RabbitMQ 4 broker
 * (`scripts/rabbitmq.sh --rabbitmq4 start`, from the Debian trixie root) to .tmp/rabbitmq4/url
 * (OSLO_NODE_TEST_RABBITMQ4_URL overrides it; scripts/run-tests.mjs sets it). In CI (CI=true) a
 * missing broker fails the test; on a developer machine without one the test is skipped with a reason.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const URL_FILE = fileURLToPath(new URL('../../../.tmp/rabbitmq/url', import.meta.url));
const RABBITMQ4_URL_FILE = fileURLToPath(new URL('../../../.tmp/rabbitmq4/url', import.meta.url));

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
 * Resolve with the broker URL, or with a skip reason on a developer machine without a broker.
 * Throws in CI when the broker is missing, so the run fails instead of skipping silently.
 */
export async function requireBroker(): Promise<{ url: string } | { skip: string }> {
  return requireReachable(brokerUrl(), 'RabbitMQ', 'scripts/rabbitmq.sh start');
}

/** requireBroker() for the RabbitMQ 4 broker of the trixie root. */
export async function requireRabbitmq4(): Promise<{ url: string } | { skip: string }> {
  return requireReachable(rabbitmq4Url(), 'RabbitMQ 4', 'scripts/rabbitmq.sh --rabbitmq4 start');
}

async function requireReachable(url: string | undefined, name: string, howToStart: string): Promise<{ url: string } | { skip: string }> {
  const ok = url !== undefined && (await reachable(url));
  if (ok) return { url: url! };
  const why = url ? `${name} at ${url.replace(/:[^:@/]*@/, ':***@')} is not reachable` : `no ${name} configured (run ${howToStart})`;
  if (process.env.CI === 'true') throw new Error(`${why}; integration tests need the broker in CI`);
  return { skip: why };
}
