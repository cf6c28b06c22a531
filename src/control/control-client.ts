/**
 * ctl.js's side of the control socket: find the launcher (by --control-socket, by --pid-file,
 * or the one live `control-<pid>.sock` in the private runtime folder), send one request and
 * wait for its answer.
 */
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { ErrorCodes, OsloNodeError, describeError } from '../errors.js';
import { readFrames, writeFrame } from '../rpc/transports/embedded/ndjson.js';
import { checkOwnSocket } from '../ipc/runtime-dir.js';
import { readPidFile } from './pid-file.js';
import { defaultControlSocketPath, liveControlSockets } from './control-path.js';
import type { ControlAnswer, ControlCommand } from './control-protocol.js';

/** No launcher answers where we looked (exit 3). */
export class LauncherUnreachable extends OsloNodeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.CONTROL_UNREACHABLE, message, options);
  }
}

export interface Target {
  readonly controlSocket: string | undefined;
  readonly pidFile: string | undefined;
}

/** Several launchers run and none was chosen (exit 2). */
export class LauncherAmbiguous extends OsloNodeError {
  constructor(message: string) {
    super(ErrorCodes.CONTROL_AMBIGUOUS, message);
  }
}

/** The control connection failed, or the launcher answered something unreadable. */
export class ControlProtocolError extends OsloNodeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.CONTROL_PROTOCOL, message, options);
  }
}

/** The socket to use, and the pid the launcher must have (from the pid file). */
async function resolveTarget(target: Target): Promise<{ path: string; pid: number | undefined }> {
  let pid: number | undefined;
  if (target.pidFile) {
    let read: ReturnType<typeof readPidFile>;
    try {
      read = readPidFile(target.pidFile);
    } catch (error) {
      throw new LauncherUnreachable(`cannot read the pid file ${target.pidFile}: ${describeError(error)}`, { cause: error });
    }
    if (read.untrusted) throw new LauncherUnreachable(`refusing the pid file ${target.pidFile}: ${read.untrusted}`);
    pid = read.pid;
    if (pid === undefined) throw new LauncherUnreachable(`the pid file ${target.pidFile} holds no pid`);
  }
  if (target.controlSocket) return { path: target.controlSocket, pid };
  if (pid !== undefined) return { path: defaultControlSocketPath(pid), pid };
  const live = await liveControlSockets();
  if (live.length === 0) throw new LauncherUnreachable(`no launcher control socket in ${dirname(defaultControlSocketPath(0))}`);
  if (live.length > 1) throw new LauncherAmbiguous(`${live.length} launchers run (pids ${live.map((one) => one.pid).join(', ')}): choose one with --pid-file or --control-socket`);
  return { path: live[0]!.path, pid: live[0]!.pid };
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
    socket.once('error', (error) => (connected ? reject(new ControlProtocolError(`control connection failed: ${error.message}`, { cause: error })) : resolve(undefined)));
    // Settles nothing if an answer came first.
    socket.once('close', () => (connected ? reject(new ControlProtocolError('the launcher closed the control connection without answering')) : resolve(undefined)));
  });
}

/** Send `command` to the launcher `target` names; throws LauncherUnreachable when none answers. */
export async function sendControl(target: Target, command: ControlCommand, workers?: number): Promise<ControlAnswer> {
  const { path, pid } = await resolveTarget(target);
  // Our own socket only: another user's stand-in would read and forge what we send.
  if (!checkOwnSocket(path, 'control_socket')) throw new LauncherUnreachable(`no launcher answers on ${path} (nothing there)`);
  const answer = await ask(path, { command, ...(workers === undefined ? {} : { workers }), ...(pid === undefined ? {} : { pid }) });
  if (!answer) throw new LauncherUnreachable(`no launcher answers on ${path}`);
  if (!answer.ok && answer.code === 'wrong-launcher') throw new LauncherUnreachable(`${answer.error} (on ${path})`);
  return answer;
}
