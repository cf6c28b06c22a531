/**
 * use_queue_manager's names follow oslo's QManager: `<hostname>:<processname>:<n>`, n counted per
 * process group in `<dir>/<hostname>_<processname>_qmanager` ("pgid:n:start"), unique across the
 * group's processes, and starting over at 1 for a new process group (a restarted service).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { QueueManager } from '../../../src/rpc/transports/amqp/queue-manager.js';
import { until } from '../../helpers/wait.js';

const run = promisify(execFile);
const queueManagerModule = new URL('../../../src/rpc/transports/amqp/queue-manager.js', import.meta.url).href;

/**
 * Run an ES module script in a process group of its own (detached: setsid), so the group's leader
 * is that process, alive while it runs, however the suite itself was started; its stdout.
 */
async function inOwnProcessGroup(script: string): Promise<string> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  assert.equal(code, 0, `the script exited with ${code}`);
  return stdout;
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qmanager-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('names count up per hostname and processname, in the file format oslo writes', async (t) => {
  const dir = await tempDir(t);
  // The group leader's start time is 0 by design when the leader has exited (a test runner started
  // from a shell that is gone): the names are taken in a process group whose leader is alive.
  const script = `import { QueueManager } from '${queueManagerModule}'; const names = new QueueManager({ hostname: 'node1', processname: 'nova-api', dir: ${JSON.stringify(dir)} });
    console.log(JSON.stringify([names.next(), names.next(), names.next()]));`;
  assert.deepEqual(JSON.parse(await inOwnProcessGroup(script)), ['node1:nova-api:1', 'node1:nova-api:2', 'node1:nova-api:3']);
  const [pgid, counter, start] = (await readFile(join(dir, 'node1_nova-api_qmanager'), 'utf8')).split(':').map(Number);
  assert.equal(counter, 3);
  assert.ok(pgid! > 0 && start! > 0);
  assert.equal(
    new QueueManager({ hostname: 'node1', processname: 'other', dir }).next(),
    'node1:other:1',
    'another process name counts apart',
  );
});

test('a counter left by another process group starts over at 1 (a restarted service reuses its names)', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'h_p_qmanager'), '1:41:12345');
  assert.equal(new QueueManager({ hostname: 'h', processname: 'p', dir }).next(), 'h:p:1');
});

test('processes of one group never get the same name', async (t) => {
  const dir = await tempDir(t);
  const script = `import { QueueManager } from '${queueManagerModule}'; const q = new QueueManager({ hostname: 'h', processname: 'p', dir: ${JSON.stringify(dir)} }); const out = []; for (let i = 0; i < 50; i++) out.push(q.next()); console.log(JSON.stringify(out));`;
  const children = await Promise.all([1, 2, 3, 4].map(() => run(process.execPath, ['--input-type=module', '-e', script])));
  const all = children.flatMap((child) => JSON.parse(child.stdout) as string[]);
  assert.equal(all.length, 200);
  assert.equal(new Set(all).size, 200, 'every name is unique');
  assert.deepEqual(
    all.map((name) => Number(name.split(':')[2])).sort((a, b) => a - b),
    Array.from({ length: 200 }, (_, i) => i + 1),
  );
});

test('processes of a group whose leader has exited still never get the same name', async (t) => {
  const dir = await tempDir(t);
  const waitModule = new URL('../../helpers/wait.js', import.meta.url).href;
  // Each child waits until the shell that leads its group is gone, then takes 50 names.
  const script = `import { existsSync, renameSync, writeFileSync } from 'node:fs'; import { QueueManager } from '${queueManagerModule}'; import { until } from '${waitModule}';
    const leader = Number(process.argv[1]); await until('the group leader gone', () => !existsSync('/proc/' + leader), { timeoutMs: 20_000, intervalMs: 10 });
    const q = new QueueManager({ hostname: 'h', processname: 'p', dir: ${JSON.stringify(dir)} }); const out = []; for (let i = 0; i < 50; i++) out.push(q.next());
    const file = ${JSON.stringify(dir)} + '/out-' + process.pid; writeFileSync(file + '.tmp', JSON.stringify(out)); renameSync(file + '.tmp', file);`;
  const children = [1, 2, 3, 4].map(() => `"${process.execPath}" --input-type=module -e "$SCRIPT" $$ &`).join(' sleep 0.05; ');
  // Started 50 ms apart, so that no two share a start time (it counts in 10 ms ticks).
  // setsid: the shell leads a new process group and exits at once, its children left in it.
  await run('setsid', ['sh', '-c', children], { env: { ...process.env, SCRIPT: script } });
  const outputs = async (): Promise<string[]> => (await readdir(dir)).filter((name) => name.startsWith('out-') && !name.endsWith('.tmp'));
  await until('the four children wrote their names', async () => (await outputs()).length >= 4, { timeoutMs: 20_000, intervalMs: 20 });
  const all = (
    await Promise.all((await outputs()).map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8')) as string[]))
  ).flat();
  assert.equal(all.length, 200);
  assert.equal(new Set(all).size, 200, 'every name is unique');
});
