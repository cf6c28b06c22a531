/**
 * A worker that never runs a pool task does not carry piscina (issue 29, part 2): a TaskPool and
 * its checkInstalled() import nothing; the first run does. Each case runs in a fresh process,
 * where piscina's modules can be seen in the CommonJS cache.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const POOL = new URL('../../../src/periodic/pool.js', import.meta.url).href;

/** Run `body` (ESM, with `pool` a new TaskPool) in a fresh node; resolves with what it printed. */
function inFreshProcess(body: string): string {
  const script = [
    "import { createRequire } from 'node:module';",
    `import { TaskPool } from ${JSON.stringify(POOL)};`,
    'const pool = new TaskPool({ threads: 1 });',
    "const piscinaLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/piscina/'));",
    body,
  ].join('\n');
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 }).trim();
}

test('a TaskPool and its checkInstalled() do not import piscina', () => {
  assert.equal(inFreshProcess("pool.checkInstalled(); console.log(piscinaLoaded() ? 'loaded' : 'not loaded');"), 'not loaded');
});

test('creating the pool (start(), as the first run does) imports piscina; a run for a missing module does not', () => {
  const out = inFreshProcess(
    [
      "const missing = await pool.run('/nonexistent/task.js', 1).catch((error) => error.code);",
      'const before = piscinaLoaded();',
      'pool.start();',
      'await pool.stop();',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text of the child program
      "console.log(`${missing} ${before ? 'loaded' : 'not loaded'} ${piscinaLoaded() ? 'loaded' : 'not loaded'}`);",
    ].join('\n'),
  );
  assert.equal(out, 'ERR_MODULE_LOAD not loaded loaded');
});
