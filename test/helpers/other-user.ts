/**
 * Runs small node scripts as another user (`nobody`, uid 65534), for the tests where file
 * ownership and modes are the point: a folder or socket made by someone else. The tests run as
 * root in CI; without root, they fail when CI=true and are skipped with a reason otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export const NOBODY = { uid: 65534, gid: 65534 };

/** A new temp folder with `mode` (0o700 ours alone, 0o1777 shared and sticky, ...), removed after the test. */
export function folderWithMode(t: TestContext, mode: number, prefix = 'oslo-node-folder-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, mode);
  return dir;
}

/** Why these tests cannot run here (not root), or undefined. */
export function otherUserUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root to act as the nobody user';
  return undefined;
}

/** The skip option for node:test: skipped with a reason, but a failure under CI=true. */
export function skipUnlessOtherUser(): { skip?: string } {
  const reason = otherUserUnavailable();
  if (reason && process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  return reason ? { skip: reason } : {};
}

/** Run `script` (node -e) as nobody to completion; throws with its stderr on a non-zero exit. */
export function runAsNobody(script: string, args: readonly string[] = []): string {
  const result = spawnSync(process.execPath, ['-e', script, ...args], { ...NOBODY, encoding: 'utf8', cwd: '/', timeout: 10_000 });
  if (result.status !== 0) throw new Error(`script as nobody failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Start `script` as nobody and resolve once it prints `marker` on stdout. */
export async function startAsNobody(
  script: string,
  args: readonly string[],
  marker: string,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['-e', script, ...args], { ...NOBODY, cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.setEncoding('utf8');
  const seen = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes(marker)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`script as nobody exited (${code}) before printing ${marker}`)));
  });
  await Promise.race([seen, once(child, 'error').then(([error]) => Promise.reject(error as Error))]);
  return { child, output: () => output };
}
