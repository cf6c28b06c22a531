/**
 * Where launchers' control sockets live: `control-<pid>.sock` in the private runtime folder of
 * the embedded transport's socket (src/ipc/runtime-dir.ts), found the same way. Named by pid, so
 * several launchers of one user never compete for a path, `ctl.js --pid-file F` maps straight to
 * one, and with a single launcher running ctl.js needs no flag at all.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { clearStaleSocket, privateRuntimeDir } from '../ipc/runtime-dir.js';
import { processExists } from './pid-file.js';

const NAME = /^control-(\d+)\.sock$/;

/** The default control socket of the launcher `pid`; `create` makes the folder (the launcher does). */
export function defaultControlSocketPath(pid: number, options: { create?: boolean } = {}): string {
  return join(privateRuntimeDir({ option: 'control_socket', create: options.create ?? false }), `control-${pid}.sock`);
}

/** The default control sockets whose launcher is alive, by pid. */
export function liveControlSockets(): Array<{ pid: number; path: string }> {
  const dir = privateRuntimeDir({ option: 'control_socket', create: false });
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const pid = Number(NAME.exec(name)?.[1]);
    return pid > 0 && processExists(pid) ? [{ pid, path: join(dir, name) }] : [];
  });
}

/** Remove the control sockets that launchers killed with SIGKILL left behind (dead sockets of ours only). */
export async function removeDeadControlSockets(): Promise<void> {
  const dir = privateRuntimeDir({ option: 'control_socket', create: false });
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(NAME.exec(name)?.[1]);
    if (pid > 0 && !processExists(pid)) await clearStaleSocket(join(dir, name), 'control_socket').catch(() => undefined);
  }
}
