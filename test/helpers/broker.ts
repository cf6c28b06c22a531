/**
 * The RabbitMQ broker for integration tests. `scripts/rabbitmq.sh start` writes its URL to
 * OSLO_NODE_TEST_TRANSPORT_URL (or .tmp/rabbitmq/url). In CI (CI=true) a missing broker fails the
 * test; on a developer machine without one the test is skipped with a reason.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const URL_FILE = fileURLToPath(new URL('../../../.tmp/rabbitmq/url', import.meta.url));

/** The broker URL the test run should use, or undefined when none is configured. */
export function brokerUrl(): string | undefined {
  if (process.env.OSLO_NODE_TEST_TRANSPORT_URL) return process.env.OSLO_NODE_TEST_TRANSPORT_URL;
  try {
    return readFileSync(URL_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
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
  const url = brokerUrl();
  const ok = url !== undefined && (await reachable(url));
  if (ok) return { url: url! };
  const why = url ? `RabbitMQ at ${url.replace(/:[^:@/]*@/, ':***@')} is not reachable` : 'no RabbitMQ configured (run scripts/rabbitmq.sh start)';
  if (process.env.CI === 'true') throw new Error(`${why}; integration tests need the broker in CI`);
  return { skip: why };
}
