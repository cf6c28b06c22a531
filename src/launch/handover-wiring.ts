/**
 * The handover wired to the launcher's parts (launch.ts): the old launcher's side, a Handover
 * whose source is this launcher's sockets and supervisor and whose retirement passes
 * everything on to the new one; and, in a launcher that replaces another, the new side
 * (following.ts) routing the connections the old one passes and taking over its pid file,
 * sockets and systemd's MAINPID=.
 */
import { ms } from '../config/durations.js';
import type { Config } from '../config/options.js';
import type { UpgradeResult } from '../control/control-protocol.js';
import type { ControlServer } from '../control/control-server.js';
import { writePidFile } from '../control/pid-file.js';
import type { Logger } from '../logging/logger.js';
import type { ListenSocket } from '../supervisor/listen-socket.js';
import type { PrimaryPlugins } from '../supervisor/plugins/index.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { VERSION } from '../version.js';
import { Socket } from 'node:net';
import type { Following } from './following.js';
import { Handover, type NextLauncher } from './handover.js';
import { closeQuietly, type InheritedSockets } from './inherited-sockets.js';

/** The launcher's parts a handover works with (launch.ts starts them). */
export interface HandoverParts {
  readonly supervisor: Supervisor;
  readonly control: ControlServer;
  readonly socket: ListenSocket;
  readonly plugins: PrimaryPlugins;
  readonly logger: Logger;
  readonly address: string;
  readonly port: number;
  /** Removes the pid file this launcher wrote (a no-op when it wrote none). */
  readonly removePidFile: () => void;
  /** Set when this launcher replaces another one that is still running. */
  readonly following: Following | undefined;
}

export interface LauncherHandover {
  /** Hand over to a new launcher started from the code on disk (SIGUSR2, ctl.js upgrade, upgrade()). */
  upgrade(trigger: string): Promise<UpgradeResult>;
  /** Give up a handover in progress (the launcher stops). */
  abort(): void;
  /**
   * At the launcher's exit: stop following, remove the pid file (the one written at start or on
   * taking over) and let go of the launcher this one handed over to.
   */
  finish(): void;
}

/** Wire the handover both ways; a launcher that replaces another starts following it here. */
export function wireHandover(parts: HandoverParts, config: Config, inherited: InheritedSockets | undefined): LauncherHandover {
  const { supervisor, control, port, socket, plugins, logger, following } = parts;
  let removePidFile = parts.removePidFile;
  let next: NextLauncher | undefined;
  const handover = new Handover({
    logger,
    activated: inherited?.activated ?? false,
    address: () => ({ address: parts.address, port }),
    busy: () => {
      if (following && !following.tookOver) return 'this launcher has not taken over from the one it replaces yet';
      if (next) return `this launcher already handed over to launcher ${next.pid}`;
      return supervisor.state === 'running' ? undefined : `the launcher is ${supervisor.state}; a handover needs it running`;
    },
    sockets: () => {
      const http = socket.fd;
      if (http === undefined)
        return "the listening socket's descriptor cannot be reached (src/internals/listen-fd.ts: did a Node upgrade move it?)";
      const embedded = plugins.embedded;
      const embeddedFd = embedded?.router.socketFd;
      const controlFd = control.fd;
      return [
        { name: 'http', fd: http },
        ...(embedded && embeddedFd !== undefined ? [{ name: 'embedded', fd: embeddedFd, path: embedded.socketPath }] : []),
        ...(controlFd !== undefined && control.path ? [{ name: 'control', fd: controlFd, path: control.path }] : []),
      ];
    },
    env: () => ({ ...plugins.systemd?.env }),
    readyTimeoutMs: () => 2 * ms(config, 'worker_start_timeout') + 30_000,
    retire: (launcher, adopted) => {
      next = launcher;
      supervisor.forgetRecord();
      plugins.systemd?.handedOver();
      if (adopted.has('embedded')) plugins.embedded?.router.releaseSocket((connection) => launcher.forward(connection, 'embedded'));
      if (adopted.has('control')) control.releaseSocket((connection) => launcher.forward(connection, 'control'));
      // After the answer to a ctl.js upgrade (stop() waits for it): ctl.js reaches the new launcher now.
      void control.stop();
      socket.handOver((connection) => launcher.forward(connection, 'http'));
      // Calls of the rpc CLI connected here before the handover need this launcher's RPC servers:
      // they finish first (bounded), then the workers drain.
      void socketClientsGone(plugins.embedded, Math.min(5000, ms(config, 'graceful_shutdown_timeout') / 2 || 5000)).then(() =>
        supervisor.stop({ reason: `handed over to launcher ${launcher.pid}`, handBack: true }),
      );
    },
  });
  if (following) {
    following.start({
      route: (target, handle) => {
        if (!(handle instanceof Socket)) return;
        if (target === 'embedded' && plugins.embedded) plugins.embedded.router.adoptConnection(handle);
        else if (target === 'control') control.adoptConnection(handle);
        else if (target === 'http') socket.takeBack(handle);
        else handle.destroy();
      },
      onTakeOver: async () => {
        const from = inherited!.from!;
        if (config.pid_file) {
          try {
            removePidFile = writePidFile(config.pid_file, { replacing: from });
          } catch (error) {
            logger.error({ err: error }, 'could not write the pid file after taking over');
          }
        }
        const passed = inherited!.unix.get('control');
        try {
          await plugins.embedded?.startAccepting();
        } catch (error) {
          logger.error({ err: error }, 'could not listen on the embedded socket after taking over');
        }
        try {
          await control.start({ inherited: passed });
        } catch (error) {
          logger.error({ err: error }, 'could not listen on the control socket after taking over');
        }
        const adopted = [
          ...(plugins.embedded?.adopted ? ['embedded'] : []),
          ...(passed && control.path === passed.path ? ['control'] : []),
        ];
        for (const [name, { fd }] of inherited!.unix) if (!adopted.includes(name)) closeQuietly(fd);
        plugins.systemd?.takeOver(config.workers);
        logger.info({ from, version: VERSION, node: process.version, adopted }, `took over from launcher ${from}`);
        return adopted;
      },
    });
  }
  return {
    upgrade: (trigger) => handover.start(trigger),
    abort: () => handover.abort(),
    finish: () => {
      following?.stop();
      removePidFile();
      next?.release();
    },
  };
}

/** Resolves once the embedded socket has no client left, or after `timeoutMs`. */
async function socketClientsGone(embedded: PrimaryPlugins['embedded'], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (embedded && embedded.router.socketClients > 0 && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
}
