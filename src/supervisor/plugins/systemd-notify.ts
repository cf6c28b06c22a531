/**
 * systemd `Type=notify` (sd_notify(3)): READY=1 once every worker serves, RELOADING=1 with
 * MONOTONIC_USEC during a reload and READY=1 after it, STOPPING=1 on stop, STATUS= with the
 * worker count, and WATCHDOG=1 every half WATCHDOG_USEC.
 *
 * Node has no unix datagram sockets, so the messages go through systemd's own `systemd-notify`
 * (the unit needs NotifyAccess=all: the sender is a child of the launcher). Chosen over the npm
 * packages that wrap a datagram socket (unix-dgram, sd-notify): those are native addons built by
 * node-gyp at install time, which needs a compiler and downloads node's headers, and neither is
 * available where `npm ci` runs offline; systemd-notify is there wherever systemd is. Since
 * systemd 246 it waits (BARRIER=1) until the manager has read the message, so the message is
 * never attributed to a process that already exited. Messages are sent one at a time, in order.
 *
 * A handover (SIGUSR2, `oslo-node-ctl upgrade`) moves the service to another launcher: the new
 * one holds its READY=1 until it takes over, then sends MAINPID= with it (systemd then follows
 * the new process); the old one falls silent from then on (no STOPPING=1: the service is not
 * stopping) and passes on the variables it removed from its environment.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../../logging/logger.js';
import type { SupervisorPlugin, SupervisorState } from '../supervisor.js';

/** A systemd-notify that does not return (a manager that never answers its barrier) is killed. */
const SEND_TIMEOUT_MS = 5000;

export interface SystemdNotifyOptions {
  readonly logger: Logger;
  /** The environment systemd gave the launcher (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID). */
  readonly env: NodeJS.ProcessEnv;
  /** The notifier program (tests may point it elsewhere). */
  readonly command?: string;
  /** This launcher replaces another one: READY=1 waits for takeOver(). */
  readonly handover?: boolean;
}

export interface SystemdNotifyPlugin extends SupervisorPlugin {
  /** The variables for the launcher this one hands over to (NOTIFY_SOCKET, WATCHDOG_USEC). */
  readonly env: Readonly<Record<string, string>>;
  /** This launcher is the service's main process now: MAINPID=, READY=1. */
  takeOver(workers: number): void;
  /** Another launcher is the main process now: send nothing more. */
  handedOver(): void;
}

/** CLOCK_MONOTONIC in microseconds: libuv's hrtime is that clock on Linux. */
function monotonicMicroseconds(): string {
  return String(process.hrtime.bigint() / 1000n);
}

/**
 * The plugin when NOTIFY_SOCKET is set, else undefined. It removes NOTIFY_SOCKET and the
 * watchdog variables from `env` (sd_notify's unset_environment), so workers forked later do not
 * talk to systemd for the launcher.
 */
export function createSystemdNotifyPlugin(options: SystemdNotifyOptions): SystemdNotifyPlugin | undefined {
  const { env, logger } = options;
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  const watchdogUsec = Number(env.WATCHDOG_USEC);
  const watchdogForUs = watchdogUsec > 0 && (!env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === process.pid);
  const childEnv = { PATH: env.PATH ?? '/usr/bin:/bin', NOTIFY_SOCKET: socket };
  for (const name of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete env[name];

  const passOn: Record<string, string> = { NOTIFY_SOCKET: socket, ...(watchdogForUs ? { WATCHDOG_USEC: String(watchdogUsec) } : {}) };
  let queue = Promise.resolve();
  let warned = false;
  let silent = false;
  let holdReady = options.handover ?? false;
  const send = (...fields: string[]): void => {
    if (silent) return;
    queue = queue.then(
      () =>
        new Promise<void>((resolve) => {
          const child = spawn(options.command ?? 'systemd-notify', fields, { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
          const timer = setTimeout(() => child.kill('SIGKILL'), SEND_TIMEOUT_MS);
          const done = (problem: string | undefined): void => {
            clearTimeout(timer);
            if (problem && !warned) {
              warned = true;
              logger.warn(
                { fields, problem },
                'systemd notification failed (is systemd-notify installed? the unit needs NotifyAccess=all)',
              );
            }
            resolve();
          };
          child.once('error', (error) => done(error.message));
          child.once('exit', (code, signal) => done(code === 0 ? undefined : `systemd-notify exited ${code ?? signal}: ${stderr.trim()}`));
        }),
    );
  };

  const timer = watchdogForUs ? setInterval(() => send('WATCHDOG=1'), Math.max(1, watchdogUsec / 2000)) : undefined;
  timer?.unref();
  logger.info(
    { socket, watchdogUsec: watchdogForUs ? watchdogUsec : undefined },
    'systemd notify socket set: sending READY=1, RELOADING=1, STOPPING=1 and STATUS= through systemd-notify',
  );
  // Until a handover's new launcher takes over, the service's status is the old one's.
  if (!holdReady) send('STATUS=starting');

  const plural = (workers: number): string => `${workers} worker${workers === 1 ? '' : 's'}`;
  return {
    env: passOn,
    takeOver(workers) {
      holdReady = false;
      send(`MAINPID=${process.pid}`, 'READY=1', `STATUS=serving with ${plural(workers)} (took over)`);
    },
    handedOver() {
      clearInterval(timer);
      silent = true;
    },
    onState(state: SupervisorState, workers: number) {
      const count = plural(workers);
      if (holdReady) return;
      if (state === 'running') send('READY=1', `STATUS=serving with ${count}`);
      else if (state === 'reloading') send('RELOADING=1', `MONOTONIC_USEC=${monotonicMicroseconds()}`, `STATUS=reloading ${count}`);
      else if (state === 'scaling') send(`STATUS=scaling to ${count}`);
      else if (state === 'stopping') {
        clearInterval(timer);
        send('STOPPING=1', 'STATUS=stopping');
      }
    },
    async stop() {
      clearInterval(timer);
      await queue;
    },
  };
}
