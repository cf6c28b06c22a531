/**
 * One error catalogue (issue 15, item 5): codes are unique `ERR_*` names in src/errors.ts, every
 * error class under src/ (the demo aside, it is an app) is exported from the package index and
 * derives from OsloNodeError, and docs/errors.md lists every code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as api from '../../../src/index.js';
import { ErrorCodes, OsloNodeError, isErrorCode } from '../../../src/errors.js';
import { ROOT } from '../../helpers/config.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'demo' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('codes are unique ERR_ names and isErrorCode knows exactly them', () => {
  const codes = Object.values(ErrorCodes);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    assert.match(code, /^ERR_[A-Z0-9_]+$/);
    assert.ok(isErrorCode(code));
  }
  assert.equal(isErrorCode('ERR_SOMETHING_ELSE'), false);
  assert.equal(isErrorCode(undefined), false);
});

test('every exported error class under src/ is exported from the package and is an OsloNodeError', () => {
  // Every class (exported or not) whose chain reaches Error.
  const extendsOf = new Map<string, string>();
  for (const file of sources(join(ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/^(?:export )?class (\w+) extends (\w+)/gm))
      extendsOf.set(match[1]!, match[2]!);
  }
  const isError = (name: string, seen = 0): boolean =>
    name === 'Error' || (seen < 10 && extendsOf.has(name) && isError(extendsOf.get(name)!, seen + 1));
  const declared = new Set([...extendsOf.keys()].filter((name) => isError(name)));
  // FrameError never leaves the embedded broker: it becomes an error frame.
  declared.delete('FrameError');
  assert.ok(declared.size >= 25, `found only ${declared.size} error classes`);
  const exported = api as Record<string, unknown>;
  for (const name of declared) {
    const value = exported[name];
    assert.equal(typeof value, 'function', `${name} is not exported from src/index.ts`);
    assert.ok(
      (value as { prototype: unknown }).prototype instanceof OsloNodeError || value === OsloNodeError,
      `${name} does not derive from OsloNodeError`,
    );
  }
});

test('every thrown class of ours answers instanceof across copies and keeps its cause', () => {
  const cause = new Error('root cause');
  const error = new api.InvalidArgumentError('options.x must be positive', { cause });
  assert.equal(error.code, 'ERR_INVALID_ARG');
  assert.equal(error.cause, cause);
  assert.ok(error instanceof OsloNodeError);
  // A copy of the package (another OsloNodeError class) still recognises it through the brand.
  assert.ok(Object.assign(Object.create(null), { [Symbol.for('oslo-node.error')]: true }) instanceof OsloNodeError);
});

test('docs/errors.md lists every code of the catalogue', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8') + readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  for (const code of Object.values(ErrorCodes)) assert.ok(readme.includes(`\`${code}\``), `${code} is not documented`);
});
