/**
 * `launch()`: the launcher as a library. It does in the calling process what `node
 * dist/launcher.js` does (the CLI is a thin user of it): load the options, bind the shared
 * socket (or take the one systemd or the launcher it replaces passed), start the primary-side
 * plugins, fork the workers, and supervise them until stopped, or until it hands over to a new
 * launcher (SIGUSR2, ctl.js upgrade: src/launch/handover.ts).
 * The calling process becomes the cluster primary; workers run src/worker/entry.ts.
 */
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import type { Config } from '../config/options.js';
import type { WorkerInfo } from '../ipc/messages.js';
import { createLogger, type LogFormat, type Logger } from '../logging/logger.js';
import { VERSION } from '../version.js';
import { readFileSync } from 'node:fs';
import type { LauncherStatus, OperationResult, UpgradeResult } from '../control/control-protocol.js';
import { ControlServer, type ControlActions } from '../control/control-server.js';
import { ListenSocket } from '../supervisor/listen-socket.js';
import { writePidFile } from '../control/pid-file.js';
import { createPlugins, type PrimaryPlugins } from '../supervisor/plugins/index.js';
import { Following } from './following.js';
import { wireHandover, type HandoverParts } from './handover-wiring.js';
import { closeQuietly, takeInheritedSockets, type InheritedSockets } from './inherited-sockets.js';
import { preflight } from './preflight.js';
import { installSignalHandlers } from './signals.js';
import { Supervisor, type SupervisorState } from '../supervisor/supervisor.js';

export interface LaunchOptions {
  /** Option values by oslo name (`{ workers: 2, port: 0 }`), above every other source. */
  config?: ConfigOverrides;
  /** Command-line arguments read as the CLI reads them (`--config-file`, flags); default none. */
  argv?: readonly string[];
  /** The environment whose `OSLO_NODE_*` variables are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Manager module workers load when `manager` is unset (default: the bare Manager). */
  manager?: string;
  /** App module workers load when `app` is unset (default: every path answers 404). */
  app?: string;
  /** The primary's logger (default: pino JSON lines on stdout, worker 0). */
  logger?: Logger;
  /**
   * Turn SIGTERM/SIGINT into a graceful stop (`done` then resolves with the exit code; a second
   * one forces the stop), SIGHUP into reload() and SIGUSR2 into upgrade(), from the moment
   * launch() is called until the launcher stopped (default true). false: the host handles signals itself and calls
   * stop()/reload(); Node's default then ends the process on SIGTERM without draining.
   */
  handleSignals?: boolean;
  /** `process.send('ready')` to an IPC parent once every worker serves (default false; the CLI sets it). */
  notifyParent?: boolean;
}

/** A running launcher. */
export interface LauncherHandle {
  /** The bound port (useful with `port: 0`). */
  readonly port: number;
  /** The options in force. */
  readonly config: Config;
  /** Resolves once every worker serves for the first time. */
  readonly ready: Promise<void>;
  /**
   * Resolves with the exit code once the launcher stopped: 0 clean, 1 forced, timed out or gave
   * up, 2 a worker could not start and no restart would fix it (`startFailure` says why).
   */
  readonly done: Promise<number>;
  /** One line naming the module (or the broker refusal) and the reason, when `done` is 2 for it. */
  readonly startFailure: string | undefined;
  readonly state: SupervisorState;
  /** The workers (slot, pid, start time, restarts, state), as /v1/workers shows them. */
  workers(): WorkerInfo[];
  /** Rolling restart with the configuration re-read (SIGHUP, ctl.js reload); resolves when done. */
  reload(): Promise<OperationResult>;
  /** Run `workers` workers from now on (ctl.js scale); resolves once they serve or drained. */
  scale(workers: number): Promise<OperationResult>;
  /**
   * Hand over to a new launcher started from the code on disk (SIGUSR2, ctl.js upgrade):
   * resolves once it took over (this one then drains, and `done` resolves with 0) or with why
   * not (this one keeps serving).
   */
  upgrade(): Promise<UpgradeResult>;
  /** The launcher and every worker process (ctl.js status). */
  status(): Promise<LauncherStatus>;
  /**
   * Graceful stop bounded by graceful_shutdown_timeout; resolves with the exit code (`done`).
   * Idempotent: later calls join the first. (A second SIGTERM, unlike this, forces the stop.)
   */
  stop(): Promise<number>;
}

/**
 * Start a launcher in this process. Resolves once the socket listens and the workers are forked
 * (await `ready` for them to serve). Rejects with a ConfigError for bad options, an OsloNodeError
 * for a socket that cannot be bound; nothing is left running then.
 */
export async function launch(options: LaunchOptions = {}): Promise<LauncherHandle> {
  // Before anything asynchronous: a SIGTERM or SIGHUP during start-up is held, not fatal.
  const signals = options.handleSignals === false ? undefined : installSignalHandlers();
  const load = (): Config => loadConfig(options.argv ?? [], options.env, { overrides: options.config }).config;
  let config: Config;
  let parts: StartedParts;
  let inherited: InheritedSockets | undefined;
  try {
    // Read (and removed from the environment) before anything is forked.
    inherited = takeInheritedSockets();
    const loaded = loadConfig(options.argv ?? [], options.env, { overrides: options.config });
    config = loaded.config;
    const logger = options.logger ?? createLogger({ level: config.log_level, workerId: 0, format: config.log_format as LogFormat });
    for (const warning of loaded.warnings) logger.warn(warning); // unknown variables and keys, repeated keys
    parts = await startParts(config, logger, load, options, inherited);
  } catch (error) {
    signals?.uninstall();
    for (const { fd } of inherited?.unix.values() ?? []) closeQuietly(fd);
    throw error;
  }
  const { supervisor, control, port } = parts;
  const handover = wireHandover(parts, config, inherited);
  const upgrade = (trigger: string): Promise<UpgradeResult> => handover.upgrade(trigger);
  control.setActions(
    controlActions(
      supervisor,
      () => upgrade('ctl.js upgrade'),
      () => handover.abort(),
    ),
  );
  await supervisor.start();
  // Signals held since the call are replayed here: a stop now drains the workers just forked.
  signals?.attach({
    // The first SIGTERM stops gracefully, a second one forces the stop.
    stop: (signal) => {
      handover.abort();
      void (supervisor.state === 'stopping' ? supervisor.destroy(signal) : supervisor.stop({ reason: signal }));
    },
    // A reload needs running workers: one asked for during start-up waits for them.
    reload: () => void supervisor.ready.then(() => supervisor.reload()),
    upgrade: () => void supervisor.ready.then(() => upgrade('SIGUSR2')),
  });
  const done = supervisor.done.then(async (code) => {
    await control.stop();
    signals?.uninstall();
    handover.finish();
    return code;
  });
  return {
    port,
    config,
    ready: supervisor.ready,
    done,
    get state() {
      return supervisor.state;
    },
    get startFailure() {
      return supervisor.startFailure;
    },
    workers: () => supervisor.workers(),
    reload: () => supervisor.reload(),
    scale: (workers) => supervisor.scale(workers),
    status: () => supervisor.status(),
    upgrade: () => upgrade('upgrade()'),
    // Idempotent, as ctl.js stop is (a second SIGTERM, unlike them, forces the stop).
    stop: () => {
      handover.abort();
      return supervisor.stop({ reason: 'stop()' }).then(() => done);
    },
  };
}

/** What startParts() started: the parts a handover works with (handover-wiring.ts). */
type StartedParts = HandoverParts;

/**
 * Check, start the plugins, bind (or take the passed socket), write the pid file, listen for
 * ctl.js; on a failure undo what was done. A launcher that replaces another one writes the pid
 * file and listens for ctl.js only when it takes over.
 */
async function startParts(
  config: Config,
  logger: Logger,
  load: () => Config,
  options: LaunchOptions,
  inherited: InheritedSockets | undefined,
): Promise<StartedParts> {
  const followed = inherited?.source === 'handover' && typeof process.send === 'function' && inherited.address !== undefined;
  const socket = new ListenSocket(
    {
      host: config.host,
      port: config.port,
      backlog: config.backlog,
      reusePort: config.reuse_port && inherited === undefined,
      inheritedFd: inherited?.http,
      deferredAddress: followed ? inherited!.address : undefined,
    },
    logger,
  );
  let removePidFile = (): void => {};
  let plugins: PrimaryPlugins | undefined;
  let control: ControlServer | undefined;
  try {
    preflight(config);
    // reuse_port: launchers of one service run side by side (pm2 reload, blue/green); the newest
    // takes over the socket paths and the pid file.
    const sideBySide = config.reuse_port && inherited === undefined;
    plugins = await createPlugins(config, logger, {
      handover: followed,
      embedded: inherited?.unix.get('embedded'),
      replaceSockets: sideBySide,
    });
    const { address, port } = await socket.start();
    if (!followed && config.pid_file) removePidFile = writePidFile(config.pid_file, { replaceAny: sideBySide });
    logger.info(
      {
        version: VERSION,
        node: process.version,
        host: config.host,
        port,
        workers: config.workers,
        inherited: inherited?.source,
        reusePort: config.reuse_port && inherited === undefined,
      },
      'launcher listening',
    );
    if (inherited) describeInherited(inherited, config, logger, { address, port });
    else if (config.reuse_port) warnWithoutMigration(logger);
    const supervisor = new Supervisor({
      config,
      logger,
      socket,
      port,
      plugins: plugins.list,
      reloadConfig: load,
      defaults: { manager: options.manager, app: options.app },
      // The parent of a launcher that replaces another is that launcher (told by Following).
      notifyParent: options.notifyParent && !followed,
      // Someone else keeps the socket open past this launcher's stop: drain without closing under a request.
      handBackOnStop: (config.reuse_port && inherited === undefined) || inherited?.activated === true,
    });
    control = new ControlServer({ logger, socketPath: config.control_socket });
    if (!followed) await control.start({ replace: sideBySide });
    const following = followed ? new Following(socket, supervisor, logger) : undefined;
    return { supervisor, control, socket, plugins, logger, address, port, removePidFile, following };
  } catch (error) {
    removePidFile();
    await plugins?.stop();
    await control?.stop();
    await socket.stop().catch(() => undefined);
    throw error;
  }
}

/** Where the inherited socket listens; host and port options that say otherwise only describe it. */
function describeInherited(inherited: InheritedSockets, config: Config, logger: Logger, bound: { address: string; port: number }): void {
  const fields = { source: inherited.source, from: inherited.from, name: inherited.httpName, address: bound.address, port: bound.port };
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  if ((config.port !== 0 && config.port !== bound.port) || (!wildcard && config.host !== bound.address)) {
    logger.warn(
      { ...fields, host: config.host, configuredPort: config.port },
      `serving on the inherited socket ${bound.address}:${bound.port}; the host and port options (${config.host}:${config.port}) do not match it and are ignored`,
    );
  } else {
    logger.info(
      fields,
      inherited.source === 'systemd'
        ? 'serving on the socket systemd passed (socket activation)'
        : `serving on the socket launcher ${inherited.from} passed`,
    );
  }
}

/** SO_REUSEPORT: a closing socket resets what the kernel queued on it, unless tcp_migrate_req moves it. */
function warnWithoutMigration(logger: Logger): void {
  let migrate: string | undefined;
  try {
    migrate = readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim();
  } catch {
    return; // not Linux, or a kernel before 5.14: nothing to advise
  }
  if (migrate === '0') {
    logger.warn(
      'reuse_port: net.ipv4.tcp_migrate_req is 0, so connections the kernel queued on this socket when it closes are reset; set it to 1 (sysctl -w net.ipv4.tcp_migrate_req=1) for a stop that refuses nothing',
    );
  }
}

/** What ctl.js can ask: the same operations as the handle. */
function controlActions(supervisor: Supervisor, upgrade: () => Promise<UpgradeResult>, abortHandover: () => void): ControlActions {
  return {
    status: () => supervisor.status(),
    scale: (workers) => supervisor.scale(workers),
    reload: () => supervisor.reload(),
    upgrade,
    // Answered on the supervisor's exit code, before the handle's `done` (which closes this socket).
    stop: async () => {
      abortHandover();
      const code = await supervisor.stop({ reason: 'ctl.js stop' });
      return code === 0 ? { ok: true } : { ok: false, reason: `the launcher stopped with exit code ${code} (see its log)` };
    },
  };
}
