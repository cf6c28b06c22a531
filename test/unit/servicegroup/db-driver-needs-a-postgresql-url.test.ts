import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { preflight } from '../../../src/launch/preflight.js';

const configWith = (env: Record<string, string>) => loadConfig([], env).config;

test('servicegroup_driver = db needs a postgresql:// [database] connection; the error never echoes the URL', () => {
  assert.equal(configWith({}).servicegroup_driver, 'messaging', 'messaging stays the default');
  assert.doesNotThrow(() =>
    preflight(configWith({ OSLO_NODE_SERVICEGROUP_DRIVER: 'db', OSLO_NODE_CONNECTION: 'postgresql://u:p@127.0.0.1:5432/nova' })),
  );
  assert.throws(
    () => preflight(configWith({ OSLO_NODE_SERVICEGROUP_DRIVER: 'db' })),
    (error: unknown) => error instanceof ConfigError && error.option === 'connection',
  );
  assert.throws(
    () => preflight(configWith({ OSLO_NODE_SERVICEGROUP_DRIVER: 'db', OSLO_NODE_CONNECTION: 'mysql://nova:Sup3rS3cret@db/nova' })),
    (error: unknown) => error instanceof ConfigError && error.option === 'connection' && !error.message.includes('Sup3rS3cret'),
  );
  assert.throws(() => configWith({ OSLO_NODE_SERVICEGROUP_DRIVER: 'mc' }), ConfigError, 'only messaging and db');
});
