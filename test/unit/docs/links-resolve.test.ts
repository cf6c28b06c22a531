/**
 * Pages move and get split (issue 31): every relative link in README.md
 * and docs/ must point at a file or folder that exists. Anchors are not checked, only the path.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/unit/docs/: the repository root is four levels up.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownUnder(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The targets of `[text](target)` links that are neither URLs nor same-page anchors, without their anchor. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.split('#')[0]!);
}

test('the link finder keeps relative paths and drops URLs and anchors', () => {
  assert.deepEqual(relativeLinks('[a](guides/x.md#part) [b](https://example.com/y.md) [c](#here) [d](../README.md)'), [
    'guides/x.md',
    '../README.md',
  ]);
});

test('every relative link in README.md and docs/ resolves', () => {
  const pages = [join(ROOT, 'README.md'), ...markdownUnder(join(ROOT, 'docs'))];
  const broken = pages.flatMap((page) =>
    relativeLinks(readFileSync(page, 'utf8'))
      .filter((target) => !existsSync(join(dirname(page), target)))
      .map((target) => `${relative(ROOT, page)} -> ${target}`),
  );
  assert.ok(pages.length >= 10, `expected the docs pages, found ${pages.length}`);
  assert.deepEqual(broken, []);
});
