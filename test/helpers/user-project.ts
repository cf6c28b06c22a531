/**
 * A user's own project, outside this package's dist/: a temporary folder with the given files and
 * `node_modules/oslo-node` linked to this repository, so its modules `import ... from 'oslo-node'`
 * as an installed project's do.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './config.js';

export interface UserProject {
  readonly dir: string;
  /** Absolute path of a file of the project. */
  path(relative: string): string;
}

/** Write `files` (relative path → source) into a new temporary project; removed after the test. */
export function userProject(t: { after(fn: () => void): void }, files: Record<string, string>): UserProject {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-user-project-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'oslo-node'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  for (const [relative, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, relative)), { recursive: true });
    writeFileSync(join(dir, relative), source);
  }
  return { dir, path: (relative) => join(dir, relative) };
}
