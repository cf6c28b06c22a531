/**
 * The PostgreSQL cluster for the `db` service-group tests. `scripts/postgres.sh start` (run by
 * scripts/run-tests.mjs) writes its URL to .tmp/postgres/url, or OSLO_NODE_TEST_DATABASE_URL names
 * one. In CI (CI=true) a missing database fails the test; on a developer machine without
 * PostgreSQL the test is skipped with a reason.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';
import { startLauncher, type RunningLauncher } from './launcher.js';

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

function missing(t: TestContext, why: string): undefined {
  if (process.env.CI === 'true') throw new Error(`${why}; the db service-group tests need PostgreSQL in CI`);
  t.skip(why);
  return undefined;
}

/**
 * The shared test cluster's URL, or undefined after marking `t` skipped on a developer machine
 * without PostgreSQL (a failure in CI). Use: `const url = await withDatabase(t); if (!url) return;`
 */
export async function withDatabase(t: TestContext): Promise<string | undefined> {
  const url = databaseUrl();
  if (url !== undefined && (await reachable(url))) return url;
  return missing(t, url ? 'PostgreSQL of the test run is not reachable' : 'no PostgreSQL configured (run scripts/postgres.sh start)');
}

/** A private cluster this test may stop and start (outage tests); its own state dir. */
export interface PrivateCluster {
  url: string;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
}

/** A cluster of its own for `t` (destroyed after it), or undefined as withDatabase() says. */
export async function withPrivateCluster(t: TestContext): Promise<PrivateCluster | undefined> {
  const stateDir = mkdtempSync(join(tmpdir(), 'oslo-node-pg-state-'));
  const env = { ...process.env, OSLO_NODE_POSTGRES_DIR: stateDir };
  const run = (command: string) => execa('bash', [POSTGRES_SCRIPT, command], { env, reject: false, timeout: 90_000 });
  const started = await run('start');
  if (started.exitCode !== 0) {
    rmSync(stateDir, { recursive: true, force: true });
    return missing(t, `scripts/postgres.sh start failed: ${started.stderr.trim().split('\n').pop()}`);
  }
  const check = async (command: string): Promise<void> => {
    const result = await run(command);
    if (result.exitCode !== 0) throw new Error(`scripts/postgres.sh ${command} failed: ${result.stderr}`);
  };
  t.after(async () => {
    await check('stop');
    rmSync(stateDir, { recursive: true, force: true });
  });
  return {
    url: started.stdout.trim().split('\n').pop()!,
    stopServer: () => check('stop_server'),
    startServer: () => check('start_server'),
  };
}

/**
 * A database of its own in the shared test cluster at `clusterUrl` (dropped after the test), for
 * tests whose assertions read the whole `services` table: other tests' services share the
 * cluster's default database.
 */
export async function ownDatabase(t: TestContext, clusterUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  t.after(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Starts launchers of one service group on the db driver, a host each: its own embedded socket
 * in `dir`, a report every second and down after 3 s, `env` (the driver, `connection`, …) and
 * `args` added. Every launcher started is killed after the test.
 */
export function dbHostStarter(
  t: TestContext,
  dir: string,
  env: Record<string, string>,
): (host: string, args: string[]) => Promise<RunningLauncher> {
  const running = new Set<RunningLauncher>();
  t.after(() => {
    for (const launcher of running) launcher.kill();
  });
  return async (host, args) => {
    const launcher = await startLauncher(
      [
        '--service-host',
        host,
        '--embedded-socket',
        join(dir, `${host}.sock`),
        '--report-interval',
        '1',
        '--service-down-time',
        '3',
        ...args,
      ],
      { env },
    );
    running.add(launcher);
    return launcher;
  };
}
