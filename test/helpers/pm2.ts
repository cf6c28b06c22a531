/**
 * pm2 for the tests that check README's pm2 recipe: pm2 7.0.4 (the version scripts/peers pins),
 * installed from the npm registry into a cache folder outside the clone the first time it is
 * needed (`npm install --prefix`), never into the project's dependencies.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const PM2_VERSION = '7.0.4';
const CACHE = process.env.OSLO_NODE_TEST_PM2_CACHE ?? '/var/cache/oslo-node/pm2';

/** The path of pm2's CLI script (run it with the Node of your choice). */
export function ensurePm2(): string {
  const bin = join(CACHE, 'node_modules', 'pm2', 'bin', 'pm2');
  if (!existsSync(bin)) {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', CACHE, `pm2@${PM2_VERSION}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
  }
  return bin;
}
