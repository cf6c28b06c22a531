/**
 * The systemd units under contrib/systemd/ parse (issue 25, item 7): `systemd-analyze verify`
 * prints nothing for them. It exits 0 even for a setting it ignores, so silence is the check: a
 * comment on a setting's line, as README's unit once had, makes it print "Failed to parse ...".
 * README shows the unit: every setting line of its systemd block is a line of the shipped file.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { REPO_ROOT } from '../../helpers/package.js';

const UNITS = join(REPO_ROOT, 'contrib/systemd');

/** systemd-analyze's path; missing, the test is skipped, or fails in CI (where .ci/run installs it). */
function systemdAnalyze(t: TestContext): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  if (process.env.CI === 'true') assert.fail('systemd-analyze is missing (Debian package systemd; scripts/system-deps.sh installs it)');
  t.skip('systemd-analyze is not installed');
  return undefined;
}

test('systemd-analyze verify accepts every shipped unit without a word', { timeout: 60_000 }, (t) => {
  const analyze = systemdAnalyze(t);
  if (!analyze) return;
  const units = readdirSync(UNITS).filter((name) => /\.(service|socket)$/.test(name));
  assert.ok(units.includes('oslo-node.service'));
  for (const unit of units) {
    const result: SpawnSyncReturns<string> = spawnSync(analyze, ['verify', join(UNITS, unit)], { encoding: 'utf8' });
    assert.equal(result.status, 0, `${unit}: ${result.stderr}`);
    assert.equal(`${result.stdout}${result.stderr}`.trim(), '', `${unit} parses without a warning`);
  }
});

test('the check can fail: a comment on a setting line is reported', { timeout: 60_000 }, (t) => {
  const analyze = systemdAnalyze(t);
  if (!analyze) return;
  const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
  const bad = join(dir, 'bad.service');
  execFileSync('sh', ['-c', `printf '[Service]\\nType=notify   # a comment\\nExecStart=/bin/true\\n' > ${bad}`]);
  const result = spawnSync(analyze, ['verify', bad], { encoding: 'utf8' });
  execFileSync('rm', ['-rf', dir]);
  assert.match(`${result.stdout}${result.stderr}`, /Failed to parse/);
});

test("docs/operations.md's systemd unit is the shipped one", () => {
  const readme = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
  const shipped = new Set(
    readFileSync(join(UNITS, 'oslo-node.service'), 'utf8')
      .split('\n')
      .map((line) => line.trim()),
  );
  const block = /## Running under systemd[\s\S]*?```ini\n([\s\S]*?)```/.exec(readme);
  assert.ok(block?.[1], 'docs/operations.md has an ini block under "Running under systemd"');
  const settings = block[1]
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  assert.ok(settings.length >= 8, 'the block shows the unit');
  for (const line of settings)
    assert.ok(shipped.has(line), `docs/operations.md's line ${JSON.stringify(line)} is in contrib/systemd/oslo-node.service`);
});
