/**
 * ctl.js's side of the control socket: find the launcher (by --control-socket, by --pid-file,
 * by --binary / --port among the launchers registered in the private runtime folder, or the only
 * one there), send one request and wait for its answer.
 */
import { connect } from 'node:net';
import { ErrorCodes, OsloNodeError, describeError } from '../errors.js';
import { readFrames, writeFrame } from '../rpc/transports/embedded/ndjson.js';
import { checkOwnSocket } from '../ipc/runtime-dir.js';
import { readPidFile } from './pid-file.js';
import { defaultControlSocketPath } from './control-path.js';
import {
  LauncherUnreachable,
  chooseLauncher,
  choiceNamesOne,
  runningLaunchers,
  type LauncherChoice,
  type LauncherRecord,
} from './launchers.js';
import type { ControlAnswer, ControlCommand } from './control-protocol.js';

export { LauncherAmbiguous, LauncherUnreachable } from './launchers.js';

export interface ControlTarget {
  readonly controlSocket: string | undefined;
  readonly pidFile: string | undefined;
  /** The launcher's pid (one of a listing); the pid file's wins. */
  readonly pid?: number | undefined;
  /** Binary and port (--binary, --port): chosen among the registered launchers. */
  readonly choice?: LauncherChoice;
}

/** How a person names one launcher to ctl.js, for the ambiguity error. */
const HOW = '--binary NAME, --port N, --pid-file FILE or --control-socket PATH';

/** The control connection failed, or the launcher answered something unreadable. */
export class ControlProtocolError extends OsloNodeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.CONTROL_PROTOCOL, message, options);
  }
}

/** True when `target` names one launcher; otherwise ctl.js takes the only one (status: every one). */
export function namesLauncher(target: ControlTarget): boolean {
  return (
    target.controlSocket !== undefined || target.pidFile !== undefined || target.pid !== undefined || choiceNamesOne(target.choice ?? {})
  );
}

/** Every registered launcher that answers, oldest first (ctl.js status with none named). */
export async function everyLauncher(): Promise<LauncherRecord[]> {
  return await runningLaunchers();
}

function pidFromFile(pidFile: string): number {
  let read: ReturnType<typeof readPidFile>;
  try {
    read = readPidFile(pidFile);
  } catch (error) {
    throw new LauncherUnreachable(`cannot read the pid file ${pidFile}: ${describeError(error)}`, { cause: error });
  }
  if (read.untrusted) throw new LauncherUnreachable(`refusing the pid file ${pidFile}: ${read.untrusted}`);
  if (read.pid === undefined) throw new LauncherUnreachable(`the pid file ${pidFile} holds no pid`);
  return read.pid;
}

/** The socket to use, and the pid the launcher must have (from the pid file or a record). */
async function resolveTarget(target: ControlTarget): Promise<{ path: string; pid: number | undefined }> {
  const pid = target.pidFile ? pidFromFile(target.pidFile) : target.pid;
  if (target.controlSocket) return { path: target.controlSocket, pid };
  if (pid !== undefined) {
    // Its record knows a control_socket of its own; without one, the default path.
    const record = (await runningLaunchers()).find((one) => one.pid === pid);
    return { path: record?.controlSocket ?? defaultControlSocketPath(pid), pid };
  }
  const chosen = chooseLauncher(await runningLaunchers(), target.choice ?? {}, { how: HOW });
  return { path: chosen.controlSocket, pid: chosen.pid };
}

/** Send `command` to one socket; undefined when nothing listens there. */
function ask(path: string, request: { command: ControlCommand; workers?: number; pid?: number }): Promise<ControlAnswer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      writeFrame(socket, { id: 1, ...request });
    });
    readFrames(
      socket,
      (frame) => {
        resolve(frame as ControlAnswer);
        socket.end();
      },
      (reason) => reject(new ControlProtocolError(`bad answer from the launcher: ${reason}`)),
    );
    socket.once('error', (error) =>
      connected ? reject(new ControlProtocolError(`control connection failed: ${error.message}`, { cause: error })) : resolve(undefined),
    );
    // Settles nothing if an answer came first.
    socket.once('close', () =>
      connected ? reject(new ControlProtocolError('the launcher closed the control connection without answering')) : resolve(undefined),
    );
  });
}

/** Send `command` to the launcher `target` names; throws LauncherUnreachable when none answers. */
export async function sendControl(target: ControlTarget, command: ControlCommand, workers?: number): Promise<ControlAnswer> {
  const { path, pid } = await resolveTarget(target);
  // Our own socket only: another user's stand-in would read and forge what we send.
  if (!checkOwnSocket(path, 'control_socket')) throw new LauncherUnreachable(`no launcher answers on ${path} (nothing there)`);
  const answer = await ask(path, { command, ...(workers === undefined ? {} : { workers }), ...(pid === undefined ? {} : { pid }) });
  if (!answer) throw new LauncherUnreachable(`no launcher answers on ${path}`);
  if (!answer.ok && answer.code === 'wrong-launcher') throw new LauncherUnreachable(`${answer.error} (on ${path})`);
  return answer;
}
