/**
 * docs/architecture.md names the file behind every step of its paths; a rename or a move must not
 * leave it pointing at nothing. Every `src/...` (and `test/...`) path on the page must exist in the
 * repository, every bare `name.ts` must be a file somewhere under src/, and each of the three
 * paths must name files at all.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/unit/docs/: the repository root is four levels up.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const page = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');

/** Repository paths on a page: `src/...` or `test/...`, ending in a name or a slash (not a full stop). */
function pathsIn(text: string): string[] {
  return [...new Set(text.match(/(?<![\w./-])(?:src|test)\/[\w./-]*[\w/]/g) ?? [])];
}

/** `name.ts` written without a folder (after a comma in a diagram, say). */
function bareNamesIn(text: string): string[] {
  return [...new Set(text.match(/(?<![\w./-])[\w-]+(?:\.[\w-]+)*\.ts\b/g) ?? [])];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [entry.name],
  );
}

test('the path finder reads paths as the page writes them', () => {
  assert.deepEqual(pathsIn('see `src/http/http-service.ts`, src/supervisor/. and src/worker/'), [
    'src/http/http-service.ts',
    'src/supervisor/',
    'src/worker/',
  ]);
  assert.deepEqual(bareNamesIn('src/rpc/transports/amqp/transport.ts, publisher.ts, ack-batch.ts'), ['publisher.ts', 'ack-batch.ts']);
});

test('every src/ and test/ path named in docs/architecture.md exists', () => {
  const paths = pathsIn(page);
  assert.ok(paths.length >= 60, `expected the page to name many files, found ${paths.length}`);
  const missing = paths.filter((path) => !existsSync(join(ROOT, path)));
  assert.deepEqual(missing, []);
});

test('every bare file name in docs/architecture.md is a file under src/', () => {
  const known = new Set(filesUnder(join(ROOT, 'src')));
  const missing = bareNamesIn(page).filter((name) => !known.has(name));
  assert.deepEqual(missing, []);
});

test('each of the three paths names the files that carry it', () => {
  const sections = page.split(/^## /m);
  for (const title of ['1. An HTTP request', '2. An RPC call over RabbitMQ', '3. An embedded call across three processes']) {
    const section = sections.find((text) => text.startsWith(title));
    assert.ok(section, `section "${title}" is missing`);
    assert.ok(pathsIn(section).filter((path) => path.startsWith('src/')).length >= 10, `section "${title}" names too few files`);
  }
});
