/**
 * A stand-in for systemd's notify socket: a Python listener (test/fixtures/python/notify_listener.py)
 * bound at a unix datagram socket in a temp folder, every datagram it receives recorded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { execa } from 'execa';
import { ROOT } from './config.js';
import { PYTHON } from './python-peer.js';

export interface Datagram {
  message: string;
  /** The sender's pid (SO_PEERCRED). */
  pid: number;
  /** performance.now() when the test read it. */
  at: number;
}

export interface NotifySocket {
  /** For NOTIFY_SOCKET. */
  readonly path: string;
  /** Every datagram received, in order (filled as they come). */
  readonly datagrams: Datagram[];
  /** Their messages, in the same order. */
  readonly messages: string[];
}

/** True when systemd-notify is installed; else the test is skipped (outside CI) or fails (in CI, where it must be). */
export function hasSystemdNotify(t: TestContext): boolean {
  if (spawnSync('systemd-notify', ['--version']).status === 0) return true;
  if (process.env.CI === 'true') throw new Error('systemd-notify is missing (Debian package systemd); the notify tests need it in CI');
  t.skip('systemd-notify is not installed');
  return false;
}

/** Start the listener; resolves once it is bound. It and its folder go after the test. */
export async function fakeNotifySocket(t: TestContext, prefix = 'oslo-node-notify-'): Promise<NotifySocket> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'notify.sock');
  const child = execa(PYTHON, [`${ROOT}test/fixtures/python/notify_listener.py`, path], { buffer: false, reject: false });
  t.after(() => child.kill('SIGKILL'));
  const datagrams: Datagram[] = [];
  const messages: string[] = [];
  let pending = '';
  let bound!: () => void;
  const listening = new Promise<void>((resolve) => (bound = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const event = JSON.parse(line) as { listening?: string; message?: string; pid?: number };
      if (event.listening) bound();
      else {
        datagrams.push({ message: event.message!, pid: event.pid!, at: performance.now() });
        messages.push(event.message!);
      }
    }
  });
  await listening;
  return { path, datagrams, messages };
}
