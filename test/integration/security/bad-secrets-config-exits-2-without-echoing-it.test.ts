// Issue 14, item 3: a bad percent-encoding in transport_url put the raw password in the error,
// logged by every worker and the launcher on each restart (exit 1 after a crash loop); a
// malformed INI line was echoed whole. Now: exit 2 in preflight, the secret nowhere.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startLauncher } from '../../helpers/launcher.js';

async function failedStart(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<string> {
  const launcher = await startLauncher(['--workers', '2', ...args], { waitReady: false, env });
  t.after(() => launcher.kill());
  const { code } = await launcher.exited;
  const output = [...launcher.lines.map((line) => JSON.stringify(line)), ...launcher.rawLines].join('\n');
  assert.equal(code, 2, output);
  assert.ok(!launcher.lines.some((line) => line.worker !== 0), 'no worker was started');
  return output;
}

test('a bad percent-encoding in transport_url: exit 2 before any worker, the password never printed', async (t) => {
  for (const [args, env] of [
    [['--transport-url', 'rabbit://nova:p%zzS3cret@127.0.0.1:5672/'], {}],
    [[], { OSLO_NODE_TRANSPORT_URL: 'rabbit://nova:S3cret/x@127.0.0.1:5672/' }],
  ] as const) {
    const output = await failedStart(t, [...args], env);
    assert.match(output, /invalid value for option transport_url: (bad percent-encoding in the password of host 1|the port of host 1)/);
    assert.doesNotMatch(output, /S3cret/);
  }
});

test('a malformed INI line names its line and option, never its text', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-ini-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'service.conf');
  writeFileSync(file, '[DEFAULT]\nworkers = 2\nadmin_token  Sup3rS3cret\n', { mode: 0o600 });
  const output = await failedStart(t, ['--config-file', file]);
  assert.match(output, /service\.conf:3: expected "key = value" for option admin_token/);
  assert.doesNotMatch(output, /Sup3rS3cret/);
});
