import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { CTL, LAUNCHER, RPC_CLI } from '../../helpers/launcher.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [LAUNCHER, ...args], { reject: false, env, timeout: 15_000 });
const runBin = (bin: string, args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [bin, ...args], { reject: false, env, timeout: 15_000 });

/** A person's error: exit 2, exactly one line on stderr from `program`, no log line, no stack. */
function assertOneLineError(result: { exitCode?: number; stdout: string; stderr: string }, program: string, pattern: RegExp): void {
  assert.equal(result.exitCode, 2, result.stderr);
  const lines = result.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.ok(lines[0]!.startsWith(`${program}: `), lines[0]);
  assert.match(lines[0]!, pattern);
  assert.equal(result.stdout, '', 'no FATAL log line with a stack on stdout');
}

test('usage and config errors of oslo-node: one line on stderr, exit 2; the stack only with --debug', async () => {
  assertOneLineError(
    await run(['--wrokers', '2']),
    'oslo-node',
    /unknown option --wrokers; did you mean --workers\? \(see oslo-node --help\)$/,
  );
  assertOneLineError(await run(['--workers', 'many']), 'oslo-node', /invalid value for option workers/);
  assertOneLineError(await run(['--port', '0'], { OSLO_NODE_KEEP_ALIVE: 'maybe' }), 'oslo-node', /OSLO_NODE_KEEP_ALIVE/);
  assertOneLineError(await run(['--port', '0', '--metrics-path', 'metrics']), 'oslo-node', /metrics_path/);
  const debug = await run(['--workers', 'many', '--debug']);
  assert.equal(debug.exitCode, 2);
  assert.match(
    debug.stderr,
    /^oslo-node: invalid value for option workers.*\nConfigError: .*\n\s+at /s,
    'with --debug the stack follows the line',
  );
});

test('-h/--help and -V/--version on all three bins, each under its own name', async () => {
  for (const [bin, name] of [
    [LAUNCHER, 'oslo-node'],
    [RPC_CLI, 'oslo-node-rpc'],
    [CTL, 'oslo-node-ctl'],
  ] as const) {
    for (const flag of ['-h', '--help']) {
      const help = await runBin(bin, [flag]);
      assert.equal(help.exitCode, 0, `${name} ${flag}: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`^Usage: ${name} `), `${name} ${flag}`);
      assert.doesNotMatch(help.stdout, /node dist\//, 'the bin name, not node dist/...');
    }
    for (const flag of ['-V', '--version']) {
      const version = await runBin(bin, [flag]);
      assert.equal(version.exitCode, 0, `${name} ${flag}: ${version.stderr}`);
      assert.match(version.stdout, /^\d+\.\d+\.\d+\n?$/, `${name} ${flag}`);
    }
  }
  assert.match((await runBin(RPC_CLI, ['notify', '-h'])).stdout, /^Usage: oslo-node-rpc notify /);
});

test('usage errors of oslo-node-rpc and oslo-node-ctl: one line naming the bin, exit 2', async () => {
  assertOneLineError(
    await runBin(RPC_CLI, ['call', 'demo']),
    'oslo-node-rpc',
    /TOPIC and METHOD are required \(see oslo-node-rpc --help\)$/,
  );
  assertOneLineError(await runBin(RPC_CLI, ['call', 'demo', 'echo', '{bad']), 'oslo-node-rpc', /JSON_ARGS is not valid JSON/);
  assertOneLineError(
    await runBin(RPC_CLI, ['notify', 'topic', 'loud', 'e']),
    'oslo-node-rpc',
    /PRIORITY must be one of .*\(see oslo-node-rpc notify --help\)$/,
  );
  assertOneLineError(
    await runBin(CTL, ['restart']),
    'oslo-node-ctl',
    /the command must be status, scale, reload, upgrade or stop \(see oslo-node-ctl --help\)$/,
  );
  assertOneLineError(await runBin(CTL, ['scale', 'x']), 'oslo-node-ctl', /scale needs N/);
});

test("an unknown OSLO_NODE_* variable warns on the CLIs' stderr with the nearest name, and the command goes on", async () => {
  const result = await runBin(CTL, ['status', '--control-socket', '/nonexistent/oslo-node-control.sock'], {
    OSLO_NODE_WROKERS: '2',
    OSLO_NODE_TEST_ANYTHING: '1',
  });
  assert.equal(result.exitCode, 3, result.stderr);
  const lines = result.stderr.split('\n').filter(Boolean);
  assert.equal(
    lines[0],
    'oslo-node-ctl: warning: unknown environment variable OSLO_NODE_WROKERS (ignored); did you mean OSLO_NODE_WORKERS?',
  );
  assert.equal(lines.filter((line) => /warning/.test(line)).length, 1, "OSLO_NODE_TEST_* is the tests' own: no warning");
});

test('--help lists every option with its default and environment variable', async () => {
  const result = await run(['--help']);
  assert.equal(result.exitCode, 0);
  for (const flag of [
    '--workers',
    '--graceful-shutdown-timeout',
    '--ssl-cert-file',
    '--no-access-log',
    '--transport-url',
    '--tcp-keepidle',
  ]) {
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
  assertOneLineError(result, 'oslo-node', /unknown option --no-such-flag/);
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
