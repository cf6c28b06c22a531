/**
 * The launcher replaces itself without refusing a connection (nginx's binary upgrade): on
 * SIGUSR2 or `oslo-node-ctl upgrade` it starts a new launcher from the code on disk now (the
 * Node binary by the name it was started with, its script, its arguments: so a new package
 * version, a new Node and a re-read configuration), passes it the listening socket (and the
 * embedded and control sockets) as inherited descriptors, and waits until every new worker
 * serves. Then the new launcher takes over (pid file, control socket, systemd's MAINPID=) and
 * this one stops accepting, drains its workers as on a reload, passes the connections they give
 * back to the new launcher, and exits 0. Until the new launcher is ready nothing changes here:
 * if it fails, this one keeps serving and logs why.
 *
 * Both launchers accept on the one socket while the new one starts; the kernel queues what
 * neither has accepted yet, so no connection is refused at any moment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Socket } from 'node:net';
import type { UpgradeResult } from '../control/control-protocol.js';
import type { Logger } from '../logging/logger.js';
import { HANDOVER_ENV, SOCKET_NAMES, type HandoverEnv } from './inherited-sockets.js';

/** Messages between the two launchers, over the IPC channel of the spawn. */
export const HandoverMessages = {
  /** new → old: every worker serves; `pid`, `version` and `node` for the log. */
  ready: 'oslo-node:handover-ready',
  /** old → new: take over now. */
  take: 'oslo-node:handover-take',
  /** new → old: done; `adopted` names the passed sockets it serves (their files are its own now). */
  taken: 'oslo-node:handover-taken',
  /** old → new: a connection (the message's handle) for the socket `target` names. */
  connection: 'oslo-node:connection',
} as const;

/** Which socket a passed connection was accepted on. */
export type ConnectionTarget = 'http' | 'embedded' | 'control';

export interface HandoverMessage {
  readonly type: string;
  readonly pid?: number;
  readonly version?: string;
  readonly node?: string;
  readonly adopted?: readonly string[];
  readonly target?: ConnectionTarget;
}

export function isHandoverMessage(message: unknown, type: string): message is HandoverMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/** A socket to pass: its descriptor, and the path of a unix one. */
export interface PassedSocket {
  readonly name: string;
  readonly fd: number;
  readonly path?: string;
}

export interface HandoverSource {
  readonly logger: Logger;
  /** The sockets to pass, the HTTP one first; a string says why there are none (refused). */
  sockets(): PassedSocket[] | string;
  /** Why no handover may start now (stopping, starting), or undefined. */
  busy(): string | undefined;
  /** Variables the new launcher needs that this one removed from its environment (systemd's). */
  env(): Record<string, string>;
  /** The HTTP socket came from systemd (the new launcher then drains every stop as it does). */
  readonly activated: boolean;
  /** The HTTP socket's address. */
  address(): { address: string; port: number };
  /** How long the new launcher may take to be ready. */
  readyTimeoutMs(): number;
  /** The new launcher took over: retire this one (stop accepting, forward, drain, exit 0). */
  retire(next: NextLauncher, adopted: ReadonlySet<string>): void;
}

/** The launcher that took over, as the retiring one sees it. */
export interface NextLauncher {
  readonly pid: number;
  /** Pass a connection accepted on `target` on; it is closed here either way. */
  forward(socket: Socket, target: ConnectionTarget): void;
  /** Let go of the new launcher (this one exits). */
  release(): void;
}

/**
 * The Node binary to start: by the name this process was started with (`node` found on PATH
 * now, a symbolic link that points elsewhere now), else the running binary's path.
 */
export function nodeCommand(argv0 = process.argv0, env: NodeJS.ProcessEnv = process.env): string {
  const executable = (path: string): boolean => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  // A wrapper may set argv0 to anything (the script's name, say): only a node binary is taken.
  if (!/^node/.test(basename(argv0))) return process.execPath;
  if (argv0.includes('/')) return executable(resolve(argv0)) ? resolve(argv0) : process.execPath;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isAbsolute(dir) && executable(join(dir, argv0))) return join(dir, argv0);
  }
  return process.execPath;
}

/** Runs one handover at a time for the launcher `source` describes. */
export class Handover {
  readonly #source: HandoverSource;
  #child: ChildProcess | undefined;
  #running: Promise<UpgradeResult> | undefined;

  constructor(source: HandoverSource) {
    this.#source = source;
  }

  /** True while a new launcher is starting. */
  get pending(): boolean {
    return this.#running !== undefined;
  }

  /** Start a new launcher and hand over to it; resolves once it took over, or with why not. */
  start(trigger: string): Promise<UpgradeResult> {
    if (this.#running) return Promise.resolve({ ok: false, reason: 'a handover is already under way' });
    const refused = this.#refusal();
    if (refused) {
      this.#source.logger.error({ trigger, reason: refused }, 'handover refused; this launcher keeps serving');
      return Promise.resolve({ ok: false, reason: refused });
    }
    this.#running = this.#run(trigger, this.#source.sockets() as PassedSocket[]).finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** The launcher stops while a new one starts: stop that one too (it has not taken over). */
  abort(): void {
    if (this.#running && this.#child?.exitCode === null) this.#child.kill('SIGTERM');
  }

  #refusal(): string | undefined {
    const busy = this.#source.busy();
    if (busy) return busy;
    // pm2 would take the exit of the launcher that hands over for a crash, and start another.
    if (process.env.pm_id !== undefined)
      return 'under pm2 a launcher cannot replace itself (pm2 would restart the one that exits): set reuse_port and use pm2 reload';
    if (!process.argv[1]) return 'this process has no script to start again';
    const sockets = this.#source.sockets();
    return typeof sockets === 'string' ? sockets : undefined;
  }

  async #run(trigger: string, sockets: PassedSocket[]): Promise<UpgradeResult> {
    const { logger } = this.#source;
    const started = performance.now();
    const command = nodeCommand();
    const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)];
    const handoverEnv: HandoverEnv = {
      from: process.pid,
      address: this.#source.address(),
      paths: Object.fromEntries(sockets.filter((socket) => socket.path !== undefined).map((socket) => [socket.name, socket.path!])),
      activated: this.#source.activated,
    };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.#source.env(),
      LISTEN_FDS: String(sockets.length),
      LISTEN_FDNAMES: sockets.map((socket) => socket.name).join(':'),
      [HANDOVER_ENV]: JSON.stringify(handoverEnv),
    };
    delete env.LISTEN_PID;
    logger.info(
      { trigger, command, args, sockets: sockets.map(({ name, fd }) => ({ name, fd })) },
      'handover: starting a new launcher from the code on disk',
    );
    let child: ChildProcess;
    try {
      // Descriptors 3.. as systemd passes them; the IPC channel after them.
      child = spawn(command, args, {
        stdio: ['inherit', 'inherit', 'inherit', ...sockets.map((socket) => socket.fd), 'ipc'],
        env,
        cwd: process.cwd(),
      });
    } catch (error) {
      return this.#failed(`the new launcher could not be started: ${(error as Error).message}`);
    }
    this.#child = child;
    const ready = await this.#await(child, HandoverMessages.ready, this.#source.readyTimeoutMs(), 'ready');
    if (typeof ready === 'string') return this.#failed(ready, child);
    logger.info(
      { newPid: child.pid, version: ready.version, node: ready.node, readyMs: Math.round(performance.now() - started) },
      'handover: the new launcher serves; handing over',
    );
    child.send({ type: HandoverMessages.take });
    const taken = await this.#await(child, HandoverMessages.taken, 10_000, 'taken over');
    if (typeof taken === 'string') return this.#failed(taken, child);
    const pid = child.pid!;
    logger.info(
      { newPid: pid, adopted: taken.adopted, handoverMs: Math.round(performance.now() - started) },
      `handover: launcher ${pid} took over; draining and exiting`,
    );
    this.#source.retire(
      {
        pid,
        forward: (socket, target) => {
          if (!child.connected) {
            socket.destroy();
            return;
          }
          child.send({ type: HandoverMessages.connection, target }, socket, (error) => {
            if (error) socket.destroy();
          });
        },
        release: () => {
          if (child.connected) child.disconnect();
          child.unref();
        },
      },
      new Set(taken.adopted ?? []),
    );
    return { ok: true, pid };
  }

  /** The message `type` from `child`, or why it will not come. */
  #await(child: ChildProcess, type: string, timeoutMs: number, what: string): Promise<HandoverMessage | string> {
    return new Promise((resolve) => {
      const done = (outcome: HandoverMessage | string): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
        resolve(outcome);
      };
      const onMessage = (message: unknown): void => {
        if (isHandoverMessage(message, type)) done(message);
      };
      const onExit = (code: number | null, signal: string | null): void =>
        done(`the new launcher exited (${code === null ? signal : `code ${code}`}) before it was ${what} (its log says why)`);
      const onError = (error: Error): void => done(`the new launcher could not be started: ${error.message}`);
      const timer = setTimeout(() => done(`the new launcher was not ${what} within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  #failed(reason: string, child?: ChildProcess): UpgradeResult {
    this.#source.logger.error({ reason }, 'handover failed; this launcher keeps serving');
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      child.unref();
    }
    if (child?.connected) child.disconnect();
    return { ok: false, reason };
  }
}

export { SOCKET_NAMES };
