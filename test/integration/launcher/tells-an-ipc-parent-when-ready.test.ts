import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { LAUNCHER } from '../../helpers/launcher.js';

test("a parent with an IPC channel (pm2's wait_ready) gets 'ready' once every worker serves", async (t) => {
  // A private folder: a configured socket in the shared /tmp is refused (issue 27, 12).
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-ipc-ready-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = execa(process.execPath, [LAUNCHER, '--workers', '2', '--host', '127.0.0.1', '--port', '0'], {
    ipc: true,
    reject: false,
    serialization: 'json',
    env: { OSLO_NODE_EMBEDDED_SOCKET: join(dir, 'embedded.sock') },
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const message = await new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message; output:\n${output}`)), 20_000);
    child.on('message', (value: unknown) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
  assert.equal(message, 'ready');
  assert.match(output, /"msg":"launcher ready"/, 'sent after the ready line, not before');
  child.kill('SIGINT');
  const result = await child;
  assert.equal(result.exitCode, 0, 'SIGINT (pm2 stop) is a graceful stop');
});
