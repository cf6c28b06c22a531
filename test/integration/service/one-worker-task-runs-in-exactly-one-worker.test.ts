import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { until } from '../../helpers/wait.js';
import { fixturePath, startLauncher, type LogLine } from '../../helpers/launcher.js';

const runs = (lines: LogLine[], from: number): number[] =>
  lines
    .slice(from)
    .filter((line) => line.msg === 'periodic run' && line.task === 'singleton')
    .map((line) => line.pid as number);
const runsSince = (lines: LogLine[], from: number): Set<number> => new Set(runs(lines, from));

test('a one-worker task runs in exactly one of 3 workers; when that worker dies another takes over', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-one-worker-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const launcher = await startLauncher([
    '--workers',
    '3',
    '--manager',
    fixturePath('managers/recording-manager.js'),
    '--embedded-socket',
    join(dir, 's.sock'),
  ]);
  t.after(() => launcher.kill());

  const assigned = await launcher.waitForLine((line) => line.msg === 'one-worker periodic tasks assigned');
  const owner = assigned.workerPid as number;
  const from = launcher.lines.length;
  // Three runs of the owner (spacing 1 s): the other two workers had as long to run it too.
  await until('three runs by the owner', () => runs(launcher.lines, from).filter((pid) => pid === owner).length >= 3, {
    timeoutMs: 10_000,
  });
  assert.deepEqual([...runsSince(launcher.lines, from)], [owner], 'only the owner ran the task (spacing 1 s, three runs)');

  process.kill(owner, 'SIGKILL');
  const next = await launcher.waitForLine(
    (line) => line.msg === 'one-worker periodic tasks assigned' && line.workerPid !== owner,
    10_000,
    'task reassigned',
  );
  const after = launcher.lines.length;
  await until('three runs by the new owner', () => runs(launcher.lines, after).filter((pid) => pid === next.workerPid).length >= 3, {
    timeoutMs: 10_000,
  });
  const runners = runsSince(launcher.lines, after);
  assert.ok(runners.has(next.workerPid as number), 'the new owner runs it');
  assert.ok(!runners.has(owner));
  assert.ok(runners.size <= 2, `at most the new owner (and a restarted worker never) ran it: ${[...runners]}`);
});
