/**
 * Issue 25, part 4: `const l = await launch({...}); process.exit(await l.done)` in a user's
 * script, without `handleSignals`. SIGTERM while an RPC call and an HTTP request are in flight:
 * both are answered and the script exits 0 (it used to end 143, its workers logging "IPC channel
 * to the primary closed unexpectedly"). A SIGHUP that arrives while launch() starts is held and
 * becomes a reload once the workers run, instead of killing the script. `handleSignals: false`
 * leaves SIGTERM to Node's default.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { until } from '../../helpers/wait.js';
import { httpGet } from '../../helpers/http.js';
import { fixturePath, waitForPidGone } from '../../helpers/launcher.js';
import { jsonLines, userProject, type UserProject } from '../../helpers/user-program.js';

/** argv[2]: manager, argv[3]: app, argv[4]: JSON of extra launch() options, argv[5]: "hup-at-start". */
const SCRIPT = `
import { launch } from 'oslo-node';
const [manager, app, extra, hup] = process.argv.slice(2);
const starting = launch({
  config: { workers: 1, host: '127.0.0.1', port: 0, graceful_shutdown_timeout: 30, log_format: 'json', binary: 'demo' },
  manager,
  app,
  ...JSON.parse(extra),
});
// Delivered while launch() is still starting (binding, plugins, forking).
if (hup === 'hup-at-start') process.kill(process.pid, 'SIGHUP');
const l = await starting;
process.exit(await l.done);
`;

/** Calls the demo's sleep over the local launcher's embedded socket (the default path). */
const CLIENT = `
import { getRpcTransport, RpcClient } from 'oslo-node';
const transport = await getRpcTransport();
const slept = await new RpcClient(transport, { topic: 'demo' }).call({}, 'sleep', { seconds: Number(process.argv[2]) });
console.log(JSON.stringify({ slept }));
await transport.stop();
`;

const MANAGER = fixturePath('managers/logging-sleep-manager.js');
const APP = fixturePath('apps/logging-slow-app.js');

function start(user: UserProject, extra: Record<string, unknown> = {}, hup = false) {
  const script = user.run('launch.mjs', [MANAGER, APP, JSON.stringify(extra), ...(hup ? ['hup-at-start'] : [])], { timeoutMs: 90_000 });
  let out = '';
  script.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let ended = false;
  void script.then(() => (ended = true));
  const waitFor = async (msg: string, timeoutMs = 30_000): Promise<Record<string, unknown>> => {
    await until(
      `"${msg}" from the script`,
      () => {
        if (ended && !jsonLines(out).some((line) => line.msg === msg))
          throw new Error(`the script ended before "${msg}":\n${out.slice(-3000)}`);
        return jsonLines(out).some((line) => line.msg === msg);
      },
      { timeoutMs },
    );
    return jsonLines(out).find((line) => line.msg === msg)!;
  };
  return { script, waitFor, output: () => out };
}

test('launch() in a script: SIGTERM drains an in-flight RPC call and HTTP request, then the script exits 0', {
  timeout: 120_000,
}, async (t) => {
  const user = userProject(t);
  user.write('launch.mjs', SCRIPT);
  user.write('client.mjs', CLIENT);
  const { script, waitFor, output } = start(user);
  t.after(() => script.kill('SIGKILL'));
  const ready = await waitFor('launcher ready');
  const port = Number(ready.port);

  const call = user.run('client.mjs', ['2']);
  const request = httpGet(port, '/slow?ms=2000', { timeoutMs: 30_000 });
  await waitFor('sleep call started');
  await waitFor('slow request started');
  script.kill('SIGTERM');

  const response = await request;
  assert.equal(response.status, 200);
  assert.equal(JSON.parse(response.body).ms, 2000);
  const answered = await call;
  assert.equal(answered.exitCode, 0, answered.stderr);
  assert.deepEqual(jsonLines(answered.stdout).at(-1), { slept: 2 });
  const ended = await script;
  assert.equal(ended.exitCode, 0, `exit ${ended.exitCode} signal ${ended.signal}:\n${output().slice(-3000)}`);
  assert.doesNotMatch(output(), /IPC channel to the primary closed unexpectedly/);
  assert.ok(jsonLines(output()).some((line) => line.msg === 'stopping all workers gracefully' && line.reason === 'SIGTERM'));
  for (const pid of ready.pids as number[]) await waitForPidGone(pid);
});

test('launch() in a script: a SIGHUP during start-up is held and reloads once the workers run', { timeout: 120_000 }, async (t) => {
  const user = userProject(t);
  user.write('launch.mjs', SCRIPT);
  const { script, waitFor, output } = start(user, {}, true);
  t.after(() => script.kill('SIGKILL'));
  const ready = await waitFor('launcher ready');
  const complete = await waitFor('rolling restart complete');
  const before = ready.pids as number[];
  assert.ok(
    (complete.pids as number[]).every((pid) => !before.includes(pid)),
    'the workers were replaced',
  );
  script.kill('SIGTERM');
  const ended = await script;
  assert.equal(ended.exitCode, 0, `exit ${ended.exitCode} signal ${ended.signal}:\n${output().slice(-3000)}`);
});

test('launch({ handleSignals: false }): the host keeps the signals; SIGTERM is Node default', { timeout: 90_000 }, async (t) => {
  const user = userProject(t);
  user.write('launch.mjs', SCRIPT);
  const { script, waitFor } = start(user, { handleSignals: false });
  t.after(() => script.kill('SIGKILL'));
  const ready = await waitFor('launcher ready');
  script.kill('SIGTERM');
  const ended = await script;
  assert.equal(ended.signal, 'SIGTERM', `killed by the signal, not drained (exit ${ended.exitCode})`);
  // Its workers notice the primary is gone and leave on their own.
  for (const pid of ready.pids as number[]) await waitForPidGone(pid, 15_000);
});
