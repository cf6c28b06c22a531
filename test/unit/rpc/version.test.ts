import assert from 'node:assert/strict';
import { test } from 'node:test';
import { versionIsCompatible } from '../../../src/rpc/version.js';

test('an endpoint at 1.3 accepts 1.0 to 1.3 and refuses 1.4, 2.0 and 1.3.1', () => {
  for (const v of ['1.0', '1.1', '1.2', '1.3', '1.3.0', '1.2.9']) assert.equal(versionIsCompatible('1.3', v), true, v);
  for (const v of ['1.4', '2.0', '1.3.1', '0.9', '0.3']) assert.equal(versionIsCompatible('1.3', v), false, v);
});

test('revisions count only when the minors are equal', () => {
  assert.equal(versionIsCompatible('1.3.2', '1.3.2'), true);
  assert.equal(versionIsCompatible('1.3.2', '1.3.3'), false);
  assert.equal(versionIsCompatible('1.3.2', '1.2.9'), true);
});

test('an unset implemented version accepts anything, an unset request is refused', () => {
  assert.equal(versionIsCompatible(undefined, '9.9'), true);
  assert.equal(versionIsCompatible(null, null), true);
  assert.equal(versionIsCompatible('1.0', null), false);
  assert.equal(versionIsCompatible('1.0', undefined), false);
});

test('malformed versions are refused', () => {
  for (const v of ['1', '', 'a.b', '1.x', '1..2', '-1.0']) assert.equal(versionIsCompatible('1.3', v), false, v);
  assert.equal(versionIsCompatible('abc', '1.0'), false);
});
