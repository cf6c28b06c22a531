/**
 * The package is what users get (issue 25, item 5): `npm pack`'s file list has the entry points,
 * the compiled library, the demo's pool tasks, the systemd units, README, LICENSE and CHANGELOG,
 * and none of the tests, benchmarks, CI files or source maps.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REPO_ROOT } from '../../helpers/package.js';

interface PackEntry {
  files: { path: string }[];
}

test('npm pack ships the library, its bins, LICENSE and CHANGELOG, and no tests', { timeout: 120_000 }, () => {
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const [entry] = JSON.parse(out) as PackEntry[];
  assert.ok(entry, 'npm pack printed its file list');
  const paths = entry.files.map((file) => file.path);
  for (const wanted of [
    'LICENSE',
    'README.md',
    'CHANGELOG.md',
    'package.json',
    'dist/launcher.js',
    'dist/rpc.js',
    'dist/ctl.js',
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'contrib/systemd/oslo-node.service',
  ]) {
    assert.ok(paths.includes(wanted), `the tarball has ${wanted}`);
  }
  assert.ok(
    paths.some((path) => /^dist\/pool-tasks\/[^/]+\.js$/.test(path)),
    "the tarball has the demo's pool tasks",
  );
  const unwanted = paths.filter((path) =>
    /(^|\/)test\/|\.test\.js$|^scripts\/|^\.ci\/|^BENCHMARKS\.md$|\.map$|^src\/|^examples\//.test(path),
  );
  assert.deepEqual(unwanted, [], 'no tests, scripts, CI files, benchmarks, sources or source maps');
  assert.match(readFileSync(new URL('LICENSE', `file://${REPO_ROOT}/`), 'utf8'), /Apache License\s+Version 2\.0/);
});

test('package.json: a license file matches its licence, a repository, a prepare script, bins by name', () => {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.license, 'Apache-2.0');
  assert.ok(pkg.repository, 'repository is set');
  assert.equal((pkg.scripts as Record<string, string>).prepare, 'npm run build', 'a git dependency builds itself');
  assert.deepEqual(Object.keys(pkg.bin as object).sort(), ['oslo-node', 'oslo-node-ctl', 'oslo-node-rpc']);
});
