/**
 * `launch()`: the launcher as a library. It does in the calling process what `node
 * dist/launcher.js` does (the CLI is a thin user of it): load the options, bind the shared
 * socket, start the primary-side plugins, fork the workers, and supervise them until stopped.
 * The calling process becomes the cluster primary; workers run src/worker/entry.ts.
 */
import { ms } from '../config/durations.js';
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import type { Config } from '../config/options.js';
import type { WorkerInfo } from '../ipc/messages.js';
import { createLogger, type LogFormat, type Logger } from '../logging/logger.js';
import { VERSION } from '../version.js';
import type { LauncherStatus, OperationResult } from '../control/control-protocol.js';
import { ControlServer, type ControlActions } from '../control/control-server.js';
import { ListenSocket } from '../supervisor/listen-socket.js';
import { writePidFile } from '../control/pid-file.js';
import { createPlugins, type PrimaryPlugins } from '../supervisor/plugins/index.js';
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
   * one forces the stop) and SIGHUP into reload(), from the moment launch() is called until the
   * launcher stopped (default true). false: the host handles signals itself and calls
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
  try {
    const loaded = loadConfig(options.argv ?? [], options.env, { overrides: options.config });
    config = loaded.config;
    const logger = options.logger ?? createLogger({ level: config.log_level, workerId: 0, format: config.log_format as LogFormat });
    for (const warning of loaded.warnings) logger.warn(warning); // unknown variables and keys, repeated keys
    parts = await startParts(config, logger, load, options);
  } catch (error) {
    signals?.uninstall();
    throw error;
  }
  const { supervisor, control, port, removePidFile } = parts;
  await supervisor.start();
  // Signals held since the call are replayed here: a stop now drains the workers just forked.
  signals?.attach({
    // The first SIGTERM stops gracefully, a second one forces the stop.
    stop: (signal) => void (supervisor.state === 'stopping' ? supervisor.destroy(signal) : supervisor.stop({ reason: signal })),
    // A reload needs running workers: one asked for during start-up waits for them.
    reload: () => void supervisor.ready.then(() => supervisor.reload()),
  });
  const done = supervisor.done.then(async (code) => {
    await control.stop();
    signals?.uninstall();
    removePidFile();
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
    // Idempotent, as ctl.js stop is (a second SIGTERM, unlike them, forces the stop).
    stop: () => supervisor.stop({ reason: 'stop()' }).then(() => done),
  };
}

interface StartedParts {
  readonly supervisor: Supervisor;
  readonly control: ControlServer;
  readonly port: number;
  readonly removePidFile: () => void;
}

/** Check, start the plugins, bind, write the pid file, listen for ctl.js; on a failure undo what was done. */
async function startParts(config: Config, logger: Logger, load: () => Config, options: LaunchOptions): Promise<StartedParts> {
  const socket = new ListenSocket({ host: config.host, port: config.port, backlog: config.backlog, keepIdleMs: ms(config, 'tcp_keepidle') }, logger);
  let removePidFile = (): void => {};
  let plugins: PrimaryPlugins | undefined;
  let control: ControlServer | undefined;
  try {
    preflight(config);
    plugins = await createPlugins(config, logger);
    const { port } = await socket.start();
    if (config.pid_file) removePidFile = writePidFile(config.pid_file);
    logger.info({ version: VERSION, host: config.host, port, workers: config.workers }, 'launcher listening');
    const supervisor = new Supervisor({
      config,
      logger,
      socket,
      port,
      plugins: plugins.list,
      reloadConfig: load,
      defaults: { manager: options.manager, app: options.app },
      notifyParent: options.notifyParent,
    });
    control = new ControlServer(controlActions(supervisor), logger);
    await control.start(config.control_socket);
    return { supervisor, control, port, removePidFile };
  } catch (error) {
    removePidFile();
    await plugins?.stop();
    await control?.stop();
    await socket.stop().catch(() => undefined);
    throw error;
  }
}

/** What ctl.js can ask: the same operations as the handle. */
function controlActions(supervisor: Supervisor): ControlActions {
  return {
    status: () => supervisor.status(),
    scale: (workers) => supervisor.scale(workers),
    reload: () => supervisor.reload(),
    // Answered on the supervisor's exit code, before the handle's `done` (which closes this socket).
    stop: async () => {
      const code = await supervisor.stop({ reason: 'ctl.js stop' });
      return code === 0 ? { ok: true } : { ok: false, reason: `the launcher stopped with exit code ${code} (see its log)` };
    },
  };
}
