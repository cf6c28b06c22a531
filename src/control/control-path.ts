/**
 * Where launchers' control sockets live: `control-<pid>.sock` in the private runtime folder of
 * the embedded transport's socket (src/ipc/runtime-dir.ts), found the same way. Named by pid, so
 * several launchers of one user never compete for a path, `ctl.js --pid-file F` maps straight to
 * one, and with a single launcher running ctl.js needs no flag at all.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { answers, clearStaleSocket, privateRuntimeDir } from '../ipc/runtime-dir.js';
import { processExists } from './pid-file.js';

const NAME = /^control-(\d+)\.sock$/;

/** The default control socket of the launcher `pid`; `create` makes the folder (the launcher does). */
export function defaultControlSocketPath(pid: number, options: { create?: boolean } = {}): string {
  return join(privateRuntimeDir({ option: 'control_socket', create: options.create ?? false }), `control-${pid}.sock`);
}

/** The default control sockets in the private runtime folder, by pid. */
function controlSockets(): Array<{ pid: number; path: string }> {
  const dir = privateRuntimeDir({ option: 'control_socket', create: false });
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const pid = Number(NAME.exec(name)?.[1]);
    return pid > 0 ? [{ pid, path: join(dir, name) }] : [];
  });
}

/**
 * The default control sockets a launcher answers on, by pid. A live pid is not enough: the pid
 * of a launcher killed with SIGKILL may now be any other process's, and its socket file is left
 * with nobody listening (connecting is refused).
 */
export async function liveControlSockets(): Promise<Array<{ pid: number; path: string }>> {
  const candidates = controlSockets().filter(({ pid }) => processExists(pid));
  const answering = await Promise.all(candidates.map(({ path }) => answers(path)));
  return candidates.filter((_, index) => answering[index]);
}

/**
 * Remove the control sockets that launchers killed with SIGKILL left behind, their pid gone or
 * reused: clearStaleSocket removes only a socket of ours that nobody listens on.
 */
export async function removeDeadControlSockets(): Promise<void> {
  for (const { path } of controlSockets()) await clearStaleSocket(path, 'control_socket').catch(() => undefined);
}
