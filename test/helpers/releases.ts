/**
 * Releases of this build side by side, as a deployment keeps them: `releases/NAME/` holds a copy
 * of dist/src, dist/pool-tasks and the entry points with a package.json of its own version, and `current` is a
 * symbolic link to one of them. A launcher started as `node current/dist/launcher.js` and handed
 * over after `use(other)` runs the other release's code: the version it logs tells which.
 * The folder is under the repository's .tmp/, so the copies find node_modules.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from './package.js';

export interface Releases {
  readonly dir: string;
  /** `current/dist/launcher.js`: the entry a launcher is started with. */
  readonly entry: string;
  /** Make release `name` (version `<ours>-<name>`); `edit` may change files under its dist/src. */
  add(name: string, edit?: (srcDir: string) => void): string;
  /** Point `current` at release `name` (atomically, as `ln -sfn` + rename does). */
  use(name: string): void;
  versionOf(name: string): string;
}

export function makeReleases(t: TestContext): Releases {
  mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(REPO_ROOT, '.tmp', 'releases-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const versionOf = (name: string): string => `${base.version}-${name}`;
  return {
    dir,
    entry: join(dir, 'current', 'dist', 'launcher.js'),
    versionOf,
    add(name, edit) {
      const root = join(dir, 'releases', name);
      mkdirSync(join(root, 'dist'), { recursive: true });
      cpSync(join(REPO_ROOT, 'dist', 'src'), join(root, 'dist', 'src'), { recursive: true });
      cpSync(join(REPO_ROOT, 'dist', 'pool-tasks'), join(root, 'dist', 'pool-tasks'), { recursive: true });
      for (const entry of ['launcher.js', 'ctl.js', 'rpc.js']) cpSync(join(REPO_ROOT, 'dist', entry), join(root, 'dist', entry));
      writeFileSync(join(root, 'package.json'), JSON.stringify({ ...base, version: versionOf(name) }, null, 2));
      edit?.(join(root, 'dist', 'src'));
      return root;
    },
    use(name) {
      const link = join(dir, `current.${process.pid}.tmp`);
      rmSync(link, { force: true });
      symlinkSync(join('releases', name), link);
      renameSync(link, join(dir, 'current'));
    },
  };
}
