// Issue 16, part 5: the spare's head start. It imports the app module while it waits for a slot,
// so that replacing a killed worker leaves it only the start-up itself.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startLauncher } from '../../helpers/launcher.js';

test('the spare has imported the app module before it is given a slot', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-preload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const imports = join(dir, 'imports.log');
  const app = join(dir, 'app.mjs');
  // The module notes which process imported it, when it is imported (not when it serves).
  writeFileSync(
    app,
    `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(imports)}, process.pid + '\\n');\nexport default (req, res) => res.end(String(process.pid));\n`,
  );
  const launcher = await startLauncher(['--workers', '1', '--app', app]);
  t.after(() => launcher.kill());
  const spare = await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting', 20_000, 'the spare');
  const importedBy = (): number[] => readFileSync(imports, 'utf8').split('\n').filter(Boolean).map(Number);
  assert.ok(
    importedBy().includes(spare.workerPid as number),
    `the spare ${String(spare.workerPid)} imported the app while it had no slot (${importedBy().join(', ')})`,
  );
  assert.ok(!launcher.lines.some((line) => line.msg === 'spare worker assigned'), 'no slot was given to it yet');

  const [victim] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  process.kill(victim!, 'SIGKILL');
  await launcher.waitForLine((line) => line.msg === 'worker ready' && line.workerPid === spare.workerPid, 10_000, 'the spare serving');
  assert.equal(importedBy().filter((pid) => pid === spare.workerPid).length, 1, 'taking the slot did not import it again');
});
