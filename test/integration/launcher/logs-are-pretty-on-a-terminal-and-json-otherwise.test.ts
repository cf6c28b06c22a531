// Issue 16, part 6: on a terminal the launcher's and workers' logs are pretty-printed (one
// coloured line per event); JSON lines otherwise, or on a terminal with --log-format json.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { LAUNCHER, startLauncher } from '../../helpers/launcher.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes this test looks for.
const ANSI = /\x1b\[\d+m/;

/** Run the launcher on a pseudo-terminal (util-linux `script`) until it is ready; then stop it. */
async function onTerminal(extra: string[]): Promise<string[]> {
  const command = [process.execPath, LAUNCHER, '--host', '127.0.0.1', '--port', '0', '--workers', '1', '--no-prefork-spare', ...extra].join(
    ' ',
  );
  const child = execa('script', ['-qfec', command, '/dev/null'], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { OSLO_NODE_PERIODIC_FUZZY_DELAY: '0' },
  });
  const lines: string[] = [];
  let pending = '';
  let stopped = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "launcher ready" on the terminal:\n${lines.join('\n')}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split(/\r?\n/);
      pending = parts.pop()!;
      lines.push(...parts.filter(Boolean));
      const ready = lines.find((line) => line.includes('launcher ready'));
      if (!ready || stopped) return;
      stopped = true;
      clearTimeout(timer);
      // The launcher's pid: `(pid)` on a pretty line, `"pid":N` on a JSON one.
      const [, pretty, json] = /\((\d+)\)|"pid":(\d+)/.exec(ready) ?? [];
      process.kill(Number(pretty ?? json), 'SIGTERM');
      resolve();
    });
  });
  const result = await child;
  assert.equal(result.exitCode, 0, 'the launcher stopped cleanly');
  return lines;
}

test('on a terminal the logs are pretty: coloured, one line per event, workers included', async () => {
  const lines = await onTerminal([]);
  assert.ok(lines.length > 5);
  for (const line of lines) assert.ok(!line.trimStart().startsWith('{'), `not JSON: ${line}`);
  assert.ok(
    lines.every((line) => ANSI.test(line)),
    'coloured',
  );
  assert.ok(
    lines.some((line) => /INFO.*worker ready/.test(line)),
    'the launcher line',
  );
  assert.ok(
    lines.some((line) => /"worker":1/.test(line)),
    "a worker's own line",
  );
});

test('--log-format json on a terminal, and stdout that is not a terminal, give JSON lines', async (t) => {
  const lines = await onTerminal(['--log-format', 'json']);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  assert.ok(lines.some((line) => (JSON.parse(line) as { worker: number }).worker === 1));

  const piped = await startLauncher(['--workers', '1', '--no-prefork-spare']);
  t.after(() => piped.kill());
  assert.ok(piped.lines.length > 5);
  assert.deepEqual(piped.rawLines, [], 'every line is JSON');
});
