/**
 * Input a person meets first (issue 25, part 8), as loadConfig reads it: unknown names warn
 * with the nearest known one, a MultiStrOpt collects repeated keys while a single-valued key
 * warns, `debug` means debug logging, and a default follows another option's explicit value.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../../../src/config/index.js';
import { binaryFromClassName, binaryFromManager } from '../../../src/config/service-names.js';
import { editDistance, nearest } from '../../../src/config/suggest.js';
import { ConfigError } from '../../../src/errors.js';

function confFile(t: TestContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-first-input-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'oslo.conf');
  writeFileSync(file, text);
  return file;
}

test('nearest name: a transposition is one edit; nothing is suggested when nothing is near', () => {
  assert.equal(editDistance('WROKERS', 'WORKERS'), 1);
  assert.equal(nearest('OSLO_NODE_WROKERS', ['OSLO_NODE_WORKERS', 'OSLO_NODE_PORT']), 'OSLO_NODE_WORKERS');
  assert.equal(nearest('zzz', ['workers', 'port']), undefined);
});

test("an unknown OSLO_NODE_* variable warns with the nearest one; the tests' and scripts' own do not", () => {
  const { warnings, config } = loadConfig([], {
    OSLO_NODE_WROKERS: '3',
    OSLO_NODE_TEST_TRANSPORT_URL: 'x',
    OSLO_NODE_RABBITMQ_DIR: 'x',
    OSLO_NODE_TRIXIE_ROOT: 'x',
    OSLO_NODE_SOAK_SECONDS: '1',
    OSLO_NODE_POSTGRES_DIR: 'x',
    OSLO_NODE_FUZZ_SEED: '1',
    OSLO_NODE_COUNT_IPC_DIR: 'x',
    OSLO_NODE_PORT: '1234',
  });
  assert.deepEqual(warnings, ['unknown environment variable OSLO_NODE_WROKERS (ignored); did you mean OSLO_NODE_WORKERS?']);
  assert.equal(config.port, 1234);
  assert.deepEqual(loadConfig([], { OSLO_NODE_QQQQQQQQQQQQ: '1' }).warnings, [
    'unknown environment variable OSLO_NODE_QQQQQQQQQQQQ (ignored)',
  ]);
});

test('unknown config keys warn with the nearest key or the section they belong in; an unknown section warns once', (t) => {
  const file = confFile(
    t,
    '[DEFAULT]\nwrokers = 2\n[wsgi]\nworkers = 2\n[oslo_messaging_rabbit]\nrabbit_ssl = true\n[oslo_messaging_rabit]\na = 1\nb = 2\n',
  );
  const { warnings, unknownFileKeys } = loadConfig(['--config-file', file], {});
  assert.deepEqual(unknownFileKeys, [
    'DEFAULT.wrokers',
    'wsgi.workers',
    'oslo_messaging_rabbit.rabbit_ssl',
    'oslo_messaging_rabit.a',
    'oslo_messaging_rabit.b',
  ]);
  assert.deepEqual(warnings, [
    `unknown config key wrokers in [DEFAULT] of ${file} (ignored); did you mean workers?`,
    `unknown config key workers in [wsgi] of ${file} (ignored); did you mean workers in [DEFAULT]?`,
    `unknown config key rabbit_ssl in [oslo_messaging_rabbit] of ${file} (ignored); did you mean ssl?`,
    `config file ${file}: section [oslo_messaging_rabit] holds no option of ours; its 2 keys are ignored; did you mean [oslo_messaging_rabbit]?`,
  ]);
});

test("a repeated driver collects, as oslo's MultiStrOpt does, over lines and files; a repeated single-valued key warns and the last counts", (t) => {
  const first = confFile(
    t,
    '[oslo_messaging_notifications]\ndriver = messagingv2\ndriver = log\ntopics = a\ntopics = b,c\n[wsgi]\nport = 1\nport = 2\n',
  );
  const second = confFile(t, '[oslo_messaging_notifications]\ndriver = noop\n');
  const { config, warnings } = loadConfig(['--config-file', first, '--config-file', second], {});
  assert.deepEqual(config.notification_driver, ['messagingv2', 'log', 'noop']);
  assert.deepEqual(config.notification_topics, ['b', 'c'], 'topics is a ListOpt in oslo: one value, the last line');
  assert.equal(config.port, 2);
  assert.deepEqual(warnings, [
    `config key topics is set 2 times in [oslo_messaging_notifications] of ${first} (lines 4, 5); it takes one value, the last one counts`,
    `config key port is set 2 times in [wsgi] of ${first} (lines 7, 8); it takes one value, the last one counts`,
  ]);
  // The command line replaces the files' drivers; repeated there, it collects too.
  assert.deepEqual(
    loadConfig(['--config-file', first, '--notification-driver', 'log', '--notification-driver', 'noop'], {}).config.notification_driver,
    ['log', 'noop'],
  );
});

test('debug (file, flag, -d, environment) means debug logging, as in oslo.log', (t) => {
  assert.equal(loadConfig([], {}).config.log_level, 'info');
  assert.equal(loadConfig(['--config-file', confFile(t, '[DEFAULT]\ndebug = true\nlog_level = warn\n')], {}).config.log_level, 'debug');
  assert.equal(loadConfig(['--debug'], {}).config.log_level, 'debug');
  assert.equal(loadConfig(['-d'], {}).config.log_level, 'debug');
  assert.equal(loadConfig([], { OSLO_NODE_DEBUG: 'true' }).config.log_level, 'debug');
  assert.equal(loadConfig(['--debug', '--log-level', 'trace'], {}).config.log_level, 'trace', 'trace says more than debug');
});

test("a default follows another option's explicit value; two explicit values that clash are refused", () => {
  const lowered = loadConfig(['--request-timeout', '30'], {}).config;
  assert.deepEqual([lowered.request_timeout, lowered.header_timeout], [30, 30]);
  const raised = loadConfig(['--header-timeout', '400'], {}).config;
  assert.deepEqual([raised.header_timeout, raised.request_timeout], [400, 400]);
  assert.equal(loadConfig(['--request-timeout', '0'], {}).config.header_timeout, 60, 'request_timeout 0 bounds nothing');
  const backoff = loadConfig(['--restart-backoff-max', '0.05'], {}).config;
  assert.deepEqual([backoff.restart_backoff_initial, backoff.restart_backoff_max], [0.05, 0.05]);
  assert.equal(loadConfig(['--restart-backoff-initial', '40'], {}).config.restart_backoff_max, 40);
  assert.throws(
    () => loadConfig(['--request-timeout', '30', '--header-timeout', '40'], {}),
    /header_timeout: must not exceed request_timeout \(30\)/,
  );
  assert.throws(
    () => loadConfig([], { OSLO_NODE_RESTART_BACKOFF_INITIAL: '2', OSLO_NODE_RESTART_BACKOFF_MAX: '1' }),
    /restart_backoff_initial: must not exceed/,
  );
});

test('an unknown flag or launch() option is refused with the nearest name', () => {
  assert.throws(() => loadConfig(['--wrokers', '2'], {}), /unknown option --wrokers; did you mean --workers\?/);
  assert.throws(() => loadConfig([], {}, { overrides: { wrokers: 2 } as never }), /unknown option wrokers; did you mean workers\?/);
});

test('the binary is named after the manager class; an anonymous class is refused with the fix', () => {
  assert.equal(binaryFromClassName('InventoryManager'), 'inventory');
  assert.equal(binaryFromClassName('DemoManager'), 'demo');
  assert.equal(binaryFromClassName('ComputeAPIManager'), 'compute-api');
  assert.equal(binaryFromClassName('Scheduler'), 'scheduler');
  assert.equal(binaryFromClassName('default'), undefined);
  assert.equal(binaryFromManager(class Manager {}), 'oslo-node', 'the bare Manager: an app-only service');
  assert.throws(
    () => binaryFromManager({ name: 'default' }),
    (error: unknown) => error instanceof ConfigError && /give the class a name .* or set binary/.test(error.message),
  );
  assert.equal(loadConfig([], {}).config.binary, undefined, 'no fixed default: the demo is named demo by its DemoManager');
});
