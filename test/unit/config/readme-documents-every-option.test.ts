import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { OPTIONS } from '../../../src/config/options.js';

test('README.md documents every option of the option table', () => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const missing = Object.keys(OPTIONS).filter((name) => !readme.includes(`\`${name}\``));
  assert.deepEqual(missing, []);
});
