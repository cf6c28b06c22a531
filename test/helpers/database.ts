/**
 * The PostgreSQL cluster for the `db` service-group tests. `scripts/postgres.sh start` (run by
 * scripts/run-tests.mjs) writes its URL to .tmp/postgres/url, or OSLO_NODE_TEST_DATABASE_URL names
 * one. In CI (CI=true) a missing database fails the test; on a developer machine without
 * PostgreSQL the test is skipped with a reason.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const URL_FILE = fileURLToPath(new URL('../../../.tmp/postgres/url', import.meta.url));
export const POSTGRES_SCRIPT = fileURLToPath(new URL('../../../scripts/postgres.sh', import.meta.url));

export function databaseUrl(): string | undefined {
  if (process.env.OSLO_NODE_TEST_DATABASE_URL) return process.env.OSLO_NODE_TEST_DATABASE_URL;
  try {
    return readFileSync(URL_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function reachable(url: string): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.hostname, port: Number(parsed.port || 5432) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

function missing(why: string): { skip: string } {
  if (process.env.CI === 'true') throw new Error(`${why}; the db service-group tests need PostgreSQL in CI`);
  return { skip: why };
}

/** The shared test cluster's URL, or a skip reason (a failure in CI). */
export async function requireDatabase(): Promise<{ url: string } | { skip: string }> {
  const url = databaseUrl();
  if (url !== undefined && (await reachable(url))) return { url };
  return missing(url ? 'PostgreSQL of the test run is not reachable' : 'no PostgreSQL configured (run scripts/postgres.sh start)');
}

/** A private cluster this test may stop and start (outage tests); its own state dir. */
export interface PrivateCluster {
  url: string;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivateCluster(stateDir: string): Promise<PrivateCluster | { skip: string }> {
  const env = { ...process.env, OSLO_NODE_POSTGRES_DIR: stateDir };
  const run = (command: string) => execa('bash', [POSTGRES_SCRIPT, command], { env, reject: false, timeout: 90_000 });
  const started = await run('start');
  if (started.exitCode !== 0) return missing(`scripts/postgres.sh start failed: ${started.stderr.trim().split('\n').pop()}`);
  const check = async (command: string): Promise<void> => {
    const result = await run(command);
    if (result.exitCode !== 0) throw new Error(`scripts/postgres.sh ${command} failed: ${result.stderr}`);
  };
  return {
    url: started.stdout.trim().split('\n').pop()!,
    stopServer: () => check('stop_server'),
    startServer: () => check('start_server'),
    destroy: () => check('stop'),
  };
}
