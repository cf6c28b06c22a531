import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { LAUNCHER } from '../../helpers/launcher.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [LAUNCHER, ...args], { reject: false, env, timeout: 15_000 });

test('--help lists every option with its default and environment variable', async () => {
  const result = await run(['--help']);
  assert.equal(result.exitCode, 0);
  for (const flag of ['--workers', '--graceful-shutdown-timeout', '--ssl-cert-file', '--no-access-log', '--transport-url', '--tcp-keepidle']) {
    assert.match(result.stdout, new RegExp(flag));
  }
  assert.match(result.stdout, /default: 60; env: OSLO_NODE_GRACEFUL_SHUTDOWN_TIMEOUT/);
});

test('--version prints the package version', async () => {
  const result = await run(['--version']);
  assert.equal(result.exitCode, 0);
  assert.match(result.stdout, /^\d+\.\d+\.\d+$/);
});

test('a bad option value exits 2 with a message naming the option', async () => {
  const result = await run(['--workers', 'many']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /option workers/);
  const low = await run(['--graceful-shutdown-timeout', '-1']);
  assert.equal(low.exitCode, 2);
  assert.match(low.stderr, /graceful_shutdown_timeout.*below the minimum 0/);
});

test('an unknown flag exits 2', async () => {
  const result = await run(['--no-such-flag']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /unknown option --no-such-flag/);
});

test('a bad environment value exits 2 naming the variable', async () => {
  const result = await run(['--port', '0'], { OSLO_NODE_KEEP_ALIVE: 'maybe' });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /keep_alive \(environment OSLO_NODE_KEEP_ALIVE\)/);
});

test('a missing TLS file or a cert without a key stops startup with exit 2 and the oslo message', async () => {
  const missing = await run(['--port', '0', '--ssl-cert-file', '/nonexistent/cert.pem', '--ssl-key-file', '/nonexistent/key.pem']);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /Unable to find cert_file : \/nonexistent\/cert.pem/);
  const certOnly = await run(['--port', '0', '--ssl-cert-file', LAUNCHER]);
  assert.equal(certOnly.exitCode, 2);
  assert.match(certOnly.stderr, /you must specify both a cert_file and key_file/);
});

test('a --manager or --app file that does not exist stops startup with exit 2, before any fork', async () => {
  const result = await run(['--port', '0', '--manager', './no/such/manager.js']);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /option manager: module file .*no\/such\/manager.js does not exist/);
  assert.doesNotMatch(result.stdout, /worker forked/);
});
