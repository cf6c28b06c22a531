/**
 * ctl.js's side of the control socket: find the launcher (by --control-socket, by --pid-file,
 * or at the default path), send one request and wait for its answer.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describeError } from '../errors.js';
import { readFrames, writeFrame } from '../rpc/transports/embedded/ndjson.js';
import { defaultControlSocketPath } from './control-path.js';
import type { ControlAnswer, ControlCommand } from './control-protocol.js';

/** No launcher answers where we looked (exit 3). */
export class LauncherUnreachable extends Error {}

export interface Target {
  readonly controlSocket: string | undefined;
  readonly pidFile: string | undefined;
}

/** The sockets to try, and the pid the launcher must have (from the pid file). */
function candidates(target: Target): { paths: string[]; pid: number | undefined } {
  if (!target.pidFile) return { paths: [target.controlSocket ?? defaultControlSocketPath()], pid: undefined };
  let text: string;
  try {
    text = readFileSync(target.pidFile, 'utf8');
  } catch (error) {
    throw new LauncherUnreachable(`cannot read the pid file ${target.pidFile}: ${describeError(error)}`);
  }
  const pid = Number.parseInt(text, 10);
  if (!(pid > 0)) throw new LauncherUnreachable(`the pid file ${target.pidFile} holds no pid`);
  // A launcher that found the default path taken listens on a per-pid one.
  const paths = target.controlSocket ? [target.controlSocket] : [defaultControlSocketPath(pid), defaultControlSocketPath()];
  return { paths, pid };
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
      (reason) => reject(new Error(`bad answer from the launcher: ${reason}`)),
    );
    socket.once('error', (error) => (connected ? reject(new Error(`control connection failed: ${error.message}`)) : resolve(undefined)));
    // Settles nothing if an answer came first.
    socket.once('close', () => (connected ? reject(new Error('the launcher closed the control connection without answering')) : resolve(undefined)));
  });
}

/** Send `command` to the launcher `target` names; throws LauncherUnreachable when none answers. */
export async function sendControl(target: Target, command: ControlCommand, workers?: number): Promise<ControlAnswer> {
  const { paths, pid } = candidates(target);
  for (const path of paths) {
    const answer = await ask(path, { command, ...(workers === undefined ? {} : { workers }), ...(pid === undefined ? {} : { pid }) });
    if (answer && !(answer.ok === false && answer.code === 'wrong-launcher')) return answer;
  }
  throw new LauncherUnreachable(pid === undefined ? `no launcher answers on ${paths.join(', ')}` : `no launcher with pid ${pid} answers on ${paths.join(' or ')}`);
}
