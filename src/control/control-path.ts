/**
 * Where launchers' control sockets live: `control-<pid>.sock` in the private runtime folder of
 * the embedded transport's socket (src/ipc/runtime-dir.ts), found the same way. Named by pid, so
 * several launchers of one user never compete for a path and `ctl.js --pid-file F` maps straight
 * to one; which launcher is which (binary, port) is in its record (launchers.ts).
 */
import { join } from 'node:path';
import { privateRuntimeDir } from '../ipc/runtime-dir.js';
import { removeDeadLauncherFiles } from './launchers.js';

/** The default control socket of the launcher `pid`; `create` makes the folder (the launcher does). */
export function defaultControlSocketPath(pid: number, options: { create?: boolean } = {}): string {
  return join(privateRuntimeDir({ option: 'control_socket', create: options.create ?? false }), `control-${pid}.sock`);
}

/** The control socket a launcher with `configured` (control_socket) listens on. */
export function controlSocketPathFor(
  configured: string | undefined,
  pid: number = process.pid,
  options: { create?: boolean } = {},
): string {
  return configured ?? defaultControlSocketPath(pid, options);
}

/**
 * Remove the sockets and records that launchers killed with SIGKILL left behind, their pid gone
 * or reused: only a socket of ours that nobody listens on is removed.
 */
export async function removeDeadControlSockets(): Promise<void> {
  await removeDeadLauncherFiles();
}
