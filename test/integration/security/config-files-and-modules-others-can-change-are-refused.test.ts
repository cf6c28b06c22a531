/**
 * Issue 27, finding 11: a world-writable (0666) config file, and an `app` module owned by
 * `nobody` named in it, were loaded without a word (code of `nobody` ran as root). Now a config
 * file or a manager, app or pool module is refused (exit 2, naming it and why) when group or
 * others may write it or another non-root uid owns it; a config file holding a secret that others
 * may read is loaded with a warning.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitsWithTwo, startLauncher } from '../../helpers/launcher.js';
import { folderWithMode, runAsNobody, skipUnlessOtherUser } from '../../helpers/other-user.js';
import { TaskPool } from '../../../src/periodic/pool.js';

/** A module that leaves a marker file when it is imported: whose code ran, and whether. */
const moduleText = (marker: string, body: string): string =>
  `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n${body}\n`;
const APP = "module.exports = (req, res) => res.end('theirs');";

test('config files and modules others can change are refused; a secret others can read is a warning', skipUnlessOtherUser(), async (t) => {
  const mine = folderWithMode(t, 0o700);
  const shared = folderWithMode(t, 0o1777);
  const marker = join(mine, 'ran');

  // A config file anyone may write.
  const open = join(mine, 'open.conf');
  writeFileSync(open, '[DEFAULT]\nworkers = 1\n');
  chmodSync(open, 0o666);
  assert.match(
    await exitsWithTwo(t, ['--config-file', open]),
    /refusing config file .*open\.conf: group or others may write it \(mode 0666\)/,
  );

  // A config file of ours naming an app module nobody wrote (in a sticky shared folder).
  const theirs = join(shared, 'app.cjs');
  runAsNobody('fs.writeFileSync(process.argv[1], process.argv[2], { mode: 0o644 })', [theirs, moduleText(marker, APP)]);
  const conf = join(mine, 'app.conf');
  writeFileSync(conf, `[DEFAULT]\napp = ${theirs}\n`, { mode: 0o600 });
  assert.match(
    await exitsWithTwo(t, ['--config-file', conf]),
    /refusing app module .*app\.cjs: it is owned by uid 65534, neither us \(uid 0\) nor root/,
  );
  assert.equal(existsSync(marker), false, "nobody's code never ran");

  // Our own manager module, but group-writable; then in a folder anyone may write (no sticky bit).
  const manager = join(mine, 'manager.cjs');
  writeFileSync(manager, moduleText(marker, 'module.exports = {};'));
  chmodSync(manager, 0o664);
  assert.match(
    await exitsWithTwo(t, ['--manager', manager]),
    /refusing manager module .*manager\.cjs: group or others may write it \(mode 0664\)/,
  );
  const loose = folderWithMode(t, 0o777);
  const app = join(loose, 'app.cjs');
  writeFileSync(app, moduleText(marker, APP), { mode: 0o644 });
  assert.match(
    await exitsWithTwo(t, ['--app', app]),
    /refusing app module .*app\.cjs: others may replace it: its folder is writable by all without the sticky bit \(mode 0777\)/,
  );
  assert.equal(existsSync(marker), false, 'no refused module ran');

  // A pool module nobody wrote: the run is refused, the module never runs.
  const task = join(shared, 'task.mjs');
  runAsNobody('fs.writeFileSync(process.argv[1], process.argv[2], { mode: 0o644 })', [
    task,
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default () => 1;\n`,
  ]);
  const pool = new TaskPool({ threads: 1 });
  t.after(() => pool.stop());
  await assert.rejects(pool.run(task, null), /refusing pool module .*task\.mjs: it is owned by uid 65534/);
  assert.equal(existsSync(marker), false);

  // A secret in a config file others may read: a warning, and the launcher serves.
  const readable = join(mine, 'secret.conf');
  writeFileSync(readable, '[DEFAULT]\nadmin_token = Sup3rS3cret\n', { mode: 0o644 });
  chmodSync(readable, 0o644);
  const launcher = await startLauncher(['--workers', '1', '--config-file', readable]);
  t.after(() => launcher.kill());
  const warning = await launcher.waitForLine((line) => /holds a secret/.test(line.msg));
  assert.match(warning.msg, /config file .*secret\.conf holds a secret \(admin_token\) and others may read it; make it mode 0600 or 0640/);
  assert.equal(JSON.stringify(launcher.lines).includes('Sup3rS3cret'), false);

  // The control: a 0600 config file of ours naming our own 0644 app in a private folder is loaded.
  const good = join(mine, 'good.cjs');
  writeFileSync(good, APP, { mode: 0o644 });
  const goodConf = join(mine, 'good.conf');
  writeFileSync(goodConf, `[DEFAULT]\napp = ${good}\nadmin_token = Sup3rS3cret\n`, { mode: 0o600 });
  const served = await startLauncher(['--workers', '1', '--config-file', goodConf]);
  t.after(() => served.kill());
  assert.equal(
    served.lines.some((line) => /holds a secret/.test(line.msg)),
    false,
  );
});
