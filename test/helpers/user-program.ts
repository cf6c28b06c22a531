/**
 * A user's program outside the repository: a temporary folder whose `node_modules/oslo-node` is
 * this package (a symlink to the repository root, as `npm link` makes it), so scripts import
 * `oslo-node` and `oslo-node/amqp` through package.json "exports" as an installed package is
 * imported. The folder also holds a private XDG_RUNTIME_DIR, so a launcher and the scripts meet
 * at the DEFAULT embedded socket path without meeting other tests' launchers.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT } from './config.js';

export interface UserProject {
  readonly dir: string;
  /** The private runtime folder (XDG_RUNTIME_DIR) the launcher and the scripts share. */
  readonly runtimeDir: string;
  /** Environment for a launcher or script of this project: the runtime folder, no socket named. */
  readonly env: Record<string, string>;
  /** Write `name` (an .mjs file) into the project; returns its path. */
  write(name: string, code: string): string;
  /** Run `node name args…` in the project (never rejects). */
  run(
    name: string,
    args?: readonly string[],
    options?: { env?: Record<string, string>; timeoutMs?: number },
  ): ResultPromise<{ reject: false }>;
}

/** A fresh user project, removed after the test. */
export function userProject(t: TestContext): UserProject {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-user-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'oslo-node'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  const runtimeDir = join(dir, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  // OSLO_NODE_EMBEDDED_SOCKET empty: unset (the test runner's environment must not name one).
  const env = { XDG_RUNTIME_DIR: runtimeDir, OSLO_NODE_EMBEDDED_SOCKET: '', OSLO_NODE_CONTROL_SOCKET: '' };
  return {
    dir,
    runtimeDir,
    env,
    write(name, code) {
      const path = join(dir, name);
      writeFileSync(path, code);
      return path;
    },
    run(name, args = [], options = {}) {
      return execa(process.execPath, [join(dir, name), ...args], {
        cwd: dir,
        reject: false,
        stdin: 'ignore',
        timeout: options.timeoutMs ?? 60_000,
        env: { ...env, ...options.env },
      }) as ResultPromise<{ reject: false }>;
    },
  };
}

/** The JSON lines a script printed on stdout (other lines are skipped). */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // not ours
    }
  }
  return lines;
}
