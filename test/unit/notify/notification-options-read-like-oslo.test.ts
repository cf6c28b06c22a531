/**
 * `[oslo_messaging_notifications]` read from an INI file under oslo's keys (driver, transport_url,
 * topics, retry), and under their flat names on the command line; a bad driver names the option.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, loggableConfig } from '../../../src/config/index.js';

test('the INI section uses oslo keys; defaults are oslo defaults; the URL is a secret', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-notify-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const defaults = loadConfig([], {}).config;
  assert.deepEqual(
    [defaults.notification_driver, defaults.notification_transport_url, defaults.notification_topics, defaults.notification_retry],
    [[], undefined, ['notifications'], -1],
  );

  const file = join(dir, 'oslo.conf');
  writeFileSync(
    file,
    '[oslo_messaging_notifications]\ndriver = messagingv2, log\ntransport_url = rabbit://u:pw@h:5672/\ntopics = notifications,audit\nretry = 3\n',
  );
  const loaded = loadConfig(['--config-file', file], {});
  assert.deepEqual(loaded.unknownFileKeys, []);
  const { config } = loaded;
  assert.deepEqual(config.notification_driver, ['messagingv2', 'log']);
  assert.equal(config.notification_transport_url, 'rabbit://u:pw@h:5672/');
  assert.deepEqual(config.notification_topics, ['notifications', 'audit']);
  assert.equal(config.notification_retry, 3);
  assert.equal(loggableConfig(config).notification_transport_url, '***');
  assert.equal(config.transport_url, undefined, 'the RPC transport_url is a different option');

  const cli = loadConfig(['--notification-driver', 'noop', '--notification-topics', 'x'], { OSLO_NODE_NOTIFICATION_RETRY: '0' }).config;
  assert.deepEqual([cli.notification_driver, cli.notification_topics, cli.notification_retry], [['noop'], ['x'], 0]);
});

test('an unknown driver or a retry below -1 is refused, naming the option', () => {
  assert.throws(
    () => loadConfig(['--notification-driver', 'messagingv2,routing'], {}),
    /notification_driver.*"routing" is not one of messagingv2, messaging, log, noop/,
  );
  assert.throws(() => loadConfig(['--notification-retry', '-2'], {}), /notification_retry/);
});
