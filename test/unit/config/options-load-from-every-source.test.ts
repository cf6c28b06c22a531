import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig, loggableConfig } from '../../../src/config/load.js';
import { OPTIONS } from '../../../src/config/options.js';
import { ConfigError } from '../../../src/errors.js';

function tempFile(t: { after(fn: () => void): void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'a.conf');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  test('defaults follow oslo', () => {
    const { config } = loadConfig([], {});
    assert.equal(config.graceful_shutdown_timeout, 60);
    assert.equal(config.tcp_keepidle, 600);
    assert.equal(config.client_socket_timeout, 900);
    assert.equal(config.max_header_line, 16384);
    assert.equal(config.default_pool_size, 100);
    assert.equal(config.control_exchange, 'openstack');
    assert.equal(config.rpc_response_timeout, 60);
    assert.equal(config.executor_thread_pool_size, 64);
    assert.equal(config.report_interval, 10);
    assert.equal(config.service_down_time, 60);
    assert.equal(config.transport_url, undefined);
    assert.ok(config.workers >= 1);
    assert.ok(Object.isFrozen(config));
  });

  test('precedence: defaults < config files (in order) < environment < command line', (t) => {
    const first = tempFile(t, '[DEFAULT]\nworkers = 3\nlog_level = debug\n[wsgi]\nport = 9000\nkeep_alive = false\n');
    const second = tempFile(t, '[wsgi]\nport = 9001\n');
    const fromFiles = loadConfig(['--config-file', first, '--config-file', second], {}).config;
    assert.equal(fromFiles.workers, 3);
    assert.equal(fromFiles.port, 9001);
    assert.equal(fromFiles.keep_alive, false);
    const fromEnv = loadConfig(['--config-file', first], { OSLO_NODE_WORKERS: '5' }).config;
    assert.equal(fromEnv.workers, 5);
    const fromCli = loadConfig(['--config-file', first, '--workers=7', '--keep-alive'], { OSLO_NODE_WORKERS: '5' }).config;
    assert.equal(fromCli.workers, 7);
    assert.equal(fromCli.keep_alive, true);
  });

  test('boolean flags take --name and --no-name', () => {
    assert.equal(loadConfig(['--no-access-log'], {}).config.access_log, false);
    assert.equal(loadConfig(['--access-log'], {}).config.access_log, true);
    assert.equal(loadConfig(['--access-log=false'], {}).config.access_log, false);
  });

  test('every option has a help text and a default of its type', () => {
    for (const [name, spec] of Object.entries(OPTIONS)) {
      assert.ok(spec.help.length > 10, `${name} has help`);
      const value = typeof spec.default === 'function' ? spec.default() : spec.default;
      if (spec.type === 'int') assert.ok(Number.isInteger(value), name);
      if (spec.type === 'bool') assert.equal(typeof value, 'boolean', name);
    }
  });

  test('bad values are refused, never clamped, and the error names the option', () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--workers', '0'], {}, /option workers .*below the minimum 1/],
      [['--workers', '2.5'], {}, /option workers .*expected an integer/],
      [['--port', '70000'], {}, /option port .*above the maximum 65535/],
      [['--log-level', 'loud'], {}, /option log_level .*not one of/],
      [[], { OSLO_NODE_KEEP_ALIVE: 'maybe' }, /option keep_alive \(environment OSLO_NODE_KEEP_ALIVE\)/],
      [['--restart-backoff-initial', '10', '--restart-backoff-max', '1'], {}, /restart_backoff_initial/],
    ];
    for (const [argv, env, pattern] of cases) {
      assert.throws(
        () => loadConfig(argv, env),
        (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
      );
    }
  });

  test('usage errors: unknown flags, missing values, stray words', () => {
    assert.throws(() => loadConfig(['--nope'], {}), /unknown option --nope/);
    assert.throws(() => loadConfig(['--workers'], {}), /--workers needs a value/);
    assert.throws(() => loadConfig(['extra'], {}), /unexpected argument "extra"/);
    assert.throws(() => loadConfig(['--no-workers'], {}), /unknown option --no-workers/);
  });

  test('a missing config file or a malformed line is a clear error', (t) => {
    assert.throws(() => loadConfig(['--config-file', '/nonexistent/x.conf'], {}), /cannot read config file \/nonexistent\/x.conf/);
    const bad = tempFile(t, '[DEFAULT]\nthis line has no equals sign\n');
    assert.throws(() => loadConfig(['--config-file', bad], {}), /a.conf:2: expected "key = value" \(the line is not shown/);
    // Issue 14, item 3: the line used to be echoed whole, secret included.
    for (const line of ['admin_token  Sup3rS3cret', 'admin_token Sup3r:S3cret']) {
      const secret = tempFile(t, `[DEFAULT]\nworkers = 2\n${line}\n`);
      assert.throws(
        () => loadConfig(['--config-file', secret], {}),
        (error: unknown) => {
          assert.match(String((error as Error).message), /a.conf:3: expected "key = value" for option admin_token/);
          assert.doesNotMatch(String((error as Error).message), /S3cret/);
          return true;
        },
      );
    }
  });

  test('unknown keys in a file are reported, not fatal; keys in the wrong section are unknown', (t) => {
    const file = tempFile(t, '[DEFAULT]\nmystery = 1\n[oslo_messaging_rabbit]\nport = 1\n');
    const { unknownFileKeys, config } = loadConfig(['--config-file', file], {});
    assert.deepEqual(unknownFileKeys, ['DEFAULT.mystery', 'oslo_messaging_rabbit.port']);
    assert.equal(config.port, 8080);
  });

  test('secrets are masked in the loggable view', () => {
    const { config } = loadConfig(['--transport-url', 'rabbit://u:hunter2@h:5672/', '--admin-token', 't0k'], {});
    const view = JSON.stringify(loggableConfig(config));
    assert.doesNotMatch(view, /hunter2|t0k/);
    assert.equal(config.transport_url, 'rabbit://u:hunter2@h:5672/');
  });
});
