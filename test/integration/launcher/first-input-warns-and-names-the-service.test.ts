/**
 * Input a person meets first (issue 25, part 8), against a real launcher: a misspelled
 * variable or key warns with the nearest name, a repeated key warns, `debug = true` logs at
 * debug level, `--request-timeout 30` alone starts, and `--manager` without `--binary` or
 * `--app` serves the manager under its own name with no demo app; a limit or a manager that
 * cannot work stops the launcher at once with exit 2 and one clear message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { httpGet } from '../../helpers/http.js';
import { RPC_CLI, fixturePath, startLauncher } from '../../helpers/launcher.js';

const PINO_WARN = 40;
const PINO_DEBUG = 20;

test('warnings, debug = true, --request-timeout alone, and --manager named after its class with no demo app', {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-first-input-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'service.conf');
  writeFileSync(conf, '[DEFAULT]\ndebug = true\nwrokers = 1\n[wsgi]\nbacklog = 64\nbacklog = 128\n');
  const socket = join(dir, 'embedded.sock');
  const hookLog = join(dir, 'hooks.log');
  const launcher = await startLauncher(
    [
      '--config-file',
      conf,
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--manager',
      fixturePath('managers/recording-manager.js'),
      '--embedded-socket',
      socket,
      '--log-format',
      'json',
    ],
    { env: { OSLO_NODE_WROKERS: '2', HOOK_LOG: hookLog } },
  );
  t.after(() => launcher.kill());

  const warnings = launcher.lines.filter((line) => line.level === PINO_WARN && line.worker === 0).map((line) => line.msg);
  assert.ok(
    warnings.includes('unknown environment variable OSLO_NODE_WROKERS (ignored); did you mean OSLO_NODE_WORKERS?'),
    warnings.join('\n'),
  );
  assert.ok(warnings.includes(`unknown config key wrokers in [DEFAULT] of ${conf} (ignored); did you mean workers?`), warnings.join('\n'));
  assert.ok(
    warnings.includes(`config key backlog is set 2 times in [wsgi] of ${conf} (lines 5, 6); it takes one value, the last one counts`),
    warnings.join('\n'),
  );

  assert.ok(
    launcher.lines.some((line) => line.level === PINO_DEBUG),
    '[DEFAULT] debug = true: debug lines are logged',
  );

  // Named after RecordingManager: binary and topic "recording", never "demo".
  assert.match(readFileSync(hookLog, 'utf8'), /preStartHook recording\/recording/);
  const call = await execa(process.execPath, [RPC_CLI, 'call', 'recording', 'hooks', '--embedded-socket', socket, '--timeout', '10'], {
    reject: false,
    timeout: 20_000,
  });
  // RecordingManager serves version 2.1; the CLI asks 1.0: its answer proves it listens on "recording".
  assert.match(call.stderr, /UnsupportedVersion.*Attempted method: hooks/, call.stderr);
  const demo = await execa(process.execPath, [RPC_CLI, 'call', 'demo', 'ping', '--embedded-socket', socket, '--timeout', '2'], {
    reject: false,
    timeout: 20_000,
  });
  assert.notEqual(demo.exitCode, 0, 'nothing serves the demo topic');
  // No --app: the demo's app belongs to the demo's manager; every path is 404.
  const root = await httpGet(launcher.port, '/healthz');
  assert.equal(root.status, 404, root.body);
});

test("--max-memory-restart below a fresh worker's RSS: refused at its ready with the measured size, exit 2, no replacement loop", {
  timeout: 60_000,
}, async (t) => {
  const launcher = await startLauncher(['--workers', '1', '--max-memory-restart', '20', '--log-format', 'json'], { waitReady: false });
  t.after(() => launcher.kill());
  const { code } = await launcher.exited;
  assert.equal(code, 2);
  const refusal = launcher.lines.find((line) =>
    /max_memory_restart \(20 MiB\) is below the RSS of a fresh worker \(\d+ MiB/.test(line.msg),
  );
  assert.ok(refusal, launcher.lines.map((line) => line.msg).join('\n'));
  assert.ok(!launcher.lines.some((line) => /stayed above max_memory_restart/.test(line.msg)), 'no worker was replaced');
});

test('a manager whose class has no name: exit 2 at once, saying how to name the service', { timeout: 60_000 }, async (t) => {
  const launcher = await startLauncher(
    ['--workers', '2', '--manager', fixturePath('managers/anonymous-manager.js'), '--log-format', 'json'],
    { waitReady: false },
  );
  t.after(() => launcher.kill());
  const { code } = await launcher.exited;
  assert.equal(code, 2);
  assert.ok(
    launcher.lines.some((line) => /give the class a name .* or set binary/.test(line.msg)),
    launcher.lines.map((line) => line.msg).join('\n'),
  );
  assert.ok(!launcher.lines.some((line) => line.msg === 'restarting worker'), 'no restart loop');
});
