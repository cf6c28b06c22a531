import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { OPTIONS } from '../../../src/config/options.js';

test('docs/configuration.md documents every option of the option table', () => {
  const reference = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
  const missing = Object.keys(OPTIONS).filter((name) => !reference.includes(`\`${name}\``));
  assert.deepEqual(missing, []);
});
