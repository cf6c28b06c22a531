/**
 * For the reuse_port tests: a Node that has listen({ reusePort }) (this one, or Node 24 from
 * scripts/node-lines.sh), and net.ipv4.tcp_migrate_req = 1 for the test's duration. Without it
 * the kernel resets the connections still queued on a SO_REUSEPORT socket when it closes (a
 * stopping launcher's), instead of moving them to the socket that stays (Linux >= 5.14); the
 * launcher warns about it at start. Set only where we may (root), restored afterwards.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { reusePortSupported } from '../../src/launch/preflight.js';

const SYSCTL = '/proc/sys/net/ipv4/tcp_migrate_req';
export const NODE_24 = `${process.env.OSLO_NODE_NODE_CACHE ?? '/var/cache/oslo-node/node'}/24/bin/node`;

/** This Node when it has reusePort, else the cached Node 24, else undefined. */
export function reusePortNode(): string | undefined {
  if (reusePortSupported()) return process.execPath;
  return existsSync(NODE_24) ? NODE_24 : undefined;
}

/** Turn tcp_migrate_req on until the test ends; returns the value in force (may stay '0' when not allowed). */
export function migrateQueuedConnections(t: TestContext): string {
  let before: string;
  try {
    before = readFileSync(SYSCTL, 'utf8').trim();
  } catch {
    return 'unavailable';
  }
  if (before === '1') return before;
  try {
    writeFileSync(SYSCTL, '1');
  } catch {
    return before;
  }
  t.after(() => writeFileSync(SYSCTL, before));
  return readFileSync(SYSCTL, 'utf8').trim();
}
