/**
 * The other side of issue 25, part 2: once the launcher serves, a module that cannot be loaded
 * does not stop it. A reload whose new code throws at import aborts, and the old workers keep
 * serving (exit 2 is for a launcher that never served).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { startLauncher } from '../../helpers/launcher.js';
import { userProject } from '../../helpers/user-project.js';

test('a reload to an app that throws at import aborts; the old workers keep serving, then stop with 0', async (t) => {
  const project = userProject(t, { 'app.mjs': `export default (req, res) => res.end('v1');\n` });
  const launcher = await startLauncher(['--workers', '2', '--app', project.path('app.mjs')]);
  t.after(() => launcher.kill());
  writeFileSync(project.path('app.mjs'), `throw new Error('v2 is broken');\n`);
  process.kill(launcher.pid, 'SIGHUP');
  const failed = await launcher.waitForLine((line) => line.msg === 'worker failed to start', 20_000, 'the replacement failing');
  assert.equal(failed.permanent, true);
  await launcher.waitForLine((line) => /^reload aborted/.test(line.msg), 20_000, 'the reload aborting');
  assert.ok(!launcher.lines.some((line) => /stopping the launcher/.test(line.msg)), 'the launcher did not give up');
  for (let i = 0; i < 4; i++) assert.equal((await httpGet(launcher.port, '/')).body, 'v1');
  process.kill(launcher.pid, 'SIGTERM');
  assert.equal((await launcher.exited).code, 0);
});
