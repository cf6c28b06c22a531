/**
 * The Debian trixie root of scripts/trixie-root.sh (RabbitMQ 4 and the oslo.messaging 16.1 peer).
 * In CI (CI=true) a missing root fails the test; elsewhere the test is skipped with a reason.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rm, symlink, unlink } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { privateVhost, rabbit, RABBITMQ4, withRabbitmq4, type ExchangeRow, type QueueRow } from '../../helpers/broker.js';

/** test/fixtures/python in the repository (dist/test/integration/rabbitmq4 → ../../../../). */
const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/python', import.meta.url));

/** Where scripts/trixie-root.sh keeps the root (OSLO_NODE_TRIXIE_ROOT overrides it). */
export const TRIXIE_ROOT = process.env.OSLO_NODE_TRIXIE_ROOT ?? '/var/cache/oslo-node/trixie';

/** The root's path when it is built (stamped) and mounted, else a skip reason (thrown in CI). */
export function trixieRoot(): { path: string } | { skip: string } {
  const stamped = existsSync(`${TRIXIE_ROOT}/.oslo-node-trixie-root`);
  const mounted = existsSync(`${TRIXIE_ROOT}/proc/self`);
  if (stamped && mounted) return { path: TRIXIE_ROOT };
  const why = `no trixie root at ${TRIXIE_ROOT} (${stamped ? 'proc not mounted' : 'not built'}; run sudo bash scripts/trixie-root.sh)`;
  if (process.env.CI === 'true') throw new Error(`${why}; the RabbitMQ 4 and oslo.messaging 16.1 tests need it in CI`);
  return { skip: why };
}

/** The Python fixtures copied into the root (programs there cannot see the clone). */
export interface StagedPeer {
  /** The folder as the host sees it (write config files here). */
  readonly hostDir: string;
  /** The same folder as programs in the root see it. */
  readonly rootDir: string;
  /** Run `python3 SCRIPT ARGS` in the root; env adds OSLO_LOCK_PATH (the queue manager's lock). */
  readonly command: (script: string, args: readonly string[]) => { file: string; args: string[] };
}

/**
 * The Python peer staged in the trixie root (stagePythonPeer); undefined when there is no root
 * outside CI, the test then skipped (in CI, trixieRoot() throws).
 */
export async function stagedTrixiePeer(t: TestContext): Promise<StagedPeer | undefined> {
  const root = trixieRoot();
  if ('skip' in root) {
    t.skip(root.skip);
    return undefined;
  }
  return stagePythonPeer(t, root.path);
}

/** Copy test/fixtures/python into a fresh folder of the root's /tmp, removed after the test. */
export async function stagePythonPeer(t: TestContext, rootPath: string): Promise<StagedPeer> {
  const rootDir = `/tmp/oslo-node-py-${process.pid}-${randomBytes(4).toString('hex')}`;
  const hostDir = `${rootPath}${rootDir}`;
  await mkdir(hostDir, { recursive: true });
  t.after(() => rm(hostDir, { recursive: true, force: true }));
  await cp(FIXTURES, hostDir, { recursive: true });
  return {
    hostDir,
    rootDir,
    // setsid: oslo 16.1's queue manager reads /proc/<its process group>/stat and raises when
    // that leader is gone (a test run started from a shell that exited); as its own group's
    // leader, like a service, the peer always has one.
    command: (script, args) => ({
      file: 'setsid',
      args: ['chroot', rootPath, 'env', `OSLO_LOCK_PATH=${rootDir}`, 'python3', `${rootDir}/${script}`, ...args],
    }),
  };
}

/**
 * Make the staged folder readable at one path on both sides: a host symlink at `peer.rootDir`
 * to `peer.hostDir` (removed after the test). Then one INI file can name certificates and locks
 * that our process, the Python peer and the root's broker all open by the same path.
 */
export async function samePathOnHost(t: TestContext, peer: StagedPeer): Promise<string> {
  await symlink(peer.hostDir, peer.rootDir);
  t.after(() => unlink(peer.rootDir).catch(() => undefined));
  return peer.rootDir;
}

/** Remove, after the test, the queue manager's /dev/shm counters of `hostname` (ours, not the root's). */
export function removeQueueManagerCounters(t: TestContext, hostname: string): void {
  t.after(async () => {
    for (const file of await readdir('/dev/shm')) {
      if (file.startsWith(`${hostname}_`) && file.includes('_qmanager')) await rm(`/dev/shm/${file}`, { force: true });
    }
  });
}

/** A vhost of the RabbitMQ 4 broker: its URL and its rabbitmqctl listings. */
export interface Vhost {
  readonly url: string;
  readonly name: string;
  queues(): Promise<QueueRow[]>;
  exchanges(): Promise<ExchangeRow[]>;
  consumers(): Promise<Array<Record<string, unknown>>>;
}

const LIST_COLUMNS = {
  list_queues: ['name', 'durable', 'auto_delete', 'exclusive', 'arguments', 'consumers', 'messages'],
  list_exchanges: ['name', 'type', 'durable', 'auto_delete', 'internal', 'arguments'],
  list_consumers: ['queue_name', 'consumer_tag', 'ack_required', 'prefetch_count', 'arguments'],
} as const;

/** A vhost of its own on the suite's RabbitMQ 4 broker; undefined when withRabbitmq4 skipped the test. */
export async function rabbitmq4Vhost(t: TestContext): Promise<Vhost | undefined> {
  const brokerUrl = await withRabbitmq4(t);
  return brokerUrl ? ownVhost(t, brokerUrl) : undefined;
}

/** A vhost of its own on the RabbitMQ 4 broker (privateVhost), with its rabbitmqctl listings. */
export async function ownVhost(t: TestContext, url: string): Promise<Vhost> {
  const vhost = await privateVhost(t, url, RABBITMQ4);
  const list = async <T>(what: keyof typeof LIST_COLUMNS): Promise<T[]> => {
    const text = (await rabbit([...RABBITMQ4, 'ctl', what, '-p', vhost.name, ...LIST_COLUMNS[what], '--formatter', 'json'])).trim();
    return text ? (JSON.parse(text) as T[]) : [];
  };
  return {
    ...vhost,
    queues: () => list<QueueRow>('list_queues'),
    exchanges: () => list<ExchangeRow>('list_exchanges'),
    consumers: () => list<Record<string, unknown>>('list_consumers'),
  };
}

/** The [oslo_messaging_rabbit] set oslo.messaging 16.1 recommends for RabbitMQ 4, as INI lines. */
export const RECOMMENDED = [
  '[oslo_messaging_rabbit]',
  'rabbit_quorum_queue = true',
  'rabbit_transient_quorum_queue = true',
  'rabbit_stream_fanout = true',
  'use_queue_manager = true',
  'rabbit_qos_prefetch_count = 10',
] as const;

/**
 * One INI file's text for both sides: the recommended set with the queue manager's `hostname`
 * and `extra` [oslo_messaging_rabbit] lines, and oslo's lock folder (the Python peer's).
 */
export function recommendedIni(hostname: string, lockPath: string, extra: readonly string[] = []): string {
  return [...RECOMMENDED, `hostname = ${hostname}`, ...extra, '', '[oslo_concurrency]', `lock_path = ${lockPath}`, ''].join('\n');
}
