/**
 * The Debian trixie root of scripts/trixie-root.sh (RabbitMQ 4 and the oslo.messaging 16.1 peer).
 * In CI (CI=true) a missing root fails the test; elsewhere the test is skipped with a reason.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

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
    command: (script, args) => ({
      file: 'chroot',
      args: [rootPath, 'env', `OSLO_LOCK_PATH=${rootDir}`, 'python3', `${rootDir}/${script}`, ...args],
    }),
  };
}
