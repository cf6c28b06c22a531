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
import type { LauncherStatus, OperationResult } from './control-protocol.js';
import { ControlServer } from './control-server.js';
import { ListenSocket } from './listen-socket.js';
import { writePidFile } from './pid-file.js';
import { createPlugins } from './plugins.js';
import { preflight } from './preflight.js';
import { installSignalHandlers } from './signals.js';
import { Supervisor, type SupervisorState } from './supervisor.js';

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
  /** Turn SIGTERM/SIGINT into stop() and SIGHUP into reload() (default false; the CLI sets it). */
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
  /** Resolves with the exit code once the launcher stopped: 0 clean, 1 forced, timed out or gave up. */
  readonly done: Promise<number>;
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
  const argv = options.argv ?? [];
  const load = (): Config => loadConfig(argv, options.env, { overrides: options.config }).config;
  const config = load();
  const logger = options.logger ?? createLogger({ level: config.log_level, workerId: 0, format: config.log_format as LogFormat });
  const socket = new ListenSocket({ host: config.host, port: config.port, backlog: config.backlog, keepIdleMs: ms(config, 'tcp_keepidle') }, logger);
  let removePidFile = (): void => {};
  let plugins: Awaited<ReturnType<typeof createPlugins>> | undefined;
  let port: number;
  let supervisor: Supervisor | undefined;
  let exited: Promise<number> = Promise.resolve(1);
  // stop() and ctl.js stop are idempotent (a second SIGTERM, unlike them, forces the stop).
  const requestStop = (reason: string): void => {
    void supervisor?.stop({ reason });
  };
  // The control socket (ctl.js) drives the same handle as code does.
  const control = new ControlServer(
    {
      status: () => handle.status(),
      scale: (workers) => handle.scale(workers),
      reload: () => handle.reload(),
      // Answered on the supervisor's exit code, before `done` (which closes this socket).
      stop: async () => {
        requestStop('ctl.js stop');
        const code = await exited;
        return code === 0 ? { ok: true } : { ok: false, reason: `the launcher stopped with exit code ${code} (see its log)` };
      },
    },
    logger,
  );
  try {
    preflight(config);
    plugins = await createPlugins(config, logger);
    ({ port } = await socket.start());
    if (config.pid_file) removePidFile = writePidFile(config.pid_file);
    logger.info({ version: VERSION, host: config.host, port, workers: config.workers }, 'launcher listening');
    supervisor = new Supervisor({
    config,
    logger,
    socket,
    port,
    plugins: plugins.list,
    reloadConfig: load,
    defaults: { manager: options.manager, app: options.app },
    notifyParent: options.notifyParent,
    });
    await control.start(config.control_socket);
  } catch (error) {
    removePidFile();
    await plugins?.stop();
    await control.stop();
    await socket.stop().catch(() => undefined);
    throw error;
  }
  const running = supervisor;
  const uninstall = options.handleSignals
    ? installSignalHandlers({
        stop: (signal) => void (running.state === 'stopping' ? running.destroy(signal) : running.stop({ reason: signal })),
        reload: () => void running.reload(),
      })
    : () => {};
  await running.start();
  exited = running.done;
  const done = exited.then(async (code) => {
    await control.stop();
    uninstall();
    removePidFile();
    return code;
  });
  const handle: LauncherHandle = {
    port,
    config,
    ready: supervisor.ready,
    done,
    get state() {
      return running.state;
    },
    workers: () => running.workers(),
    reload: () => running.reload(),
    scale: (workers) => running.scale(workers),
    status: () => running.status(),
    stop: () => {
      requestStop('stop()');
      return done;
    },
  };
  return handle;
}
