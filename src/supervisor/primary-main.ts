/**
 * The primary's main: configuration, logger, the shared socket, plugins, signals, exit code.
 * Exit codes: 0 graceful stop, 1 runtime failure or forced stop, 2 bad usage or configuration.
 */
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { renderHelp } from '../config/help.js';
import { ConfigError, describeError } from '../errors.js';
import { createLogger, flushLogs, type LogFormat, type Logger } from '../logging/logger.js';
import { VERSION } from '../version.js';
import { ControlServer } from './control-server.js';
import { ListenSocket } from './listen-socket.js';
import { writePidFile } from './pid-file.js';
import { preflight } from './preflight.js';
import { createPlugins } from './plugins.js';
import { installSignalHandlers } from './signals.js';
import { Supervisor, type WorkerDefaults } from './supervisor.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Run the launcher's primary side; never returns (exits the process). `defaults` are the manager
 * and app modules workers load when the configuration names none.
 */
export async function runPrimary(argv: string[], defaults: WorkerDefaults = {}): Promise<never> {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(argv);
  } catch (error) {
    return exitWithConfigError(error, undefined);
  }
  if (loaded.args.help) {
    process.stdout.write(`${renderHelp('node dist/launcher.js')}\n`);
    process.exit(EXIT_OK);
  }
  if (loaded.args.version) {
    process.stdout.write(`${VERSION}\n`);
    process.exit(EXIT_OK);
  }

  const { config } = loaded;
  const logger = createLogger({ level: config.log_level, workerId: 0, format: config.log_format as LogFormat });
  for (const key of loaded.unknownFileKeys) logger.warn({ key }, 'config file key matches no option; ignored');
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception in the launcher; exiting');
    flushLogs();
    process.exit(EXIT_FAILURE);
  });

  let removePidFile = (): void => {};
  const socket = new ListenSocket(
    { host: config.host, port: config.port, backlog: config.backlog, keepIdleSeconds: config.tcp_keepidle },
    logger,
  );
  let plugins;
  let control: ControlServer | undefined;
  try {
    preflight(config);
    plugins = await createPlugins(config, logger);
    const { port } = await socket.listen();
    if (config.pid_file) removePidFile = writePidFile(config.pid_file);
    logger.info({ version: VERSION, host: config.host, port, workers: config.workers }, 'launcher listening');
    const supervisor = new Supervisor({
      config,
      logger,
      socket,
      port,
      plugins: plugins.list,
      reloadConfig: () => loadConfig(argv).config,
      defaults,
    });
    const uninstall = installSignalHandlers({
      stop: (signal) => supervisor.stop(signal),
      reload: () => void supervisor.reload(),
    });
    let stopped!: (code: number) => void;
    const exitCode = new Promise<number>((resolve) => (stopped = resolve));
    control = new ControlServer(
      {
        status: () => supervisor.status(),
        scale: (workers) => supervisor.scale(workers),
        reload: () => supervisor.reload(),
        stop: async () => {
          supervisor.stop('ctl.js stop');
          const code = await exitCode;
          return code === EXIT_OK ? { ok: true } : { ok: false, reason: `the launcher stopped with exit code ${code} (see its log)` };
        },
      },
      logger,
    );
    await control.listen(config.control_socket);
    const code = await supervisor.run();
    stopped(code);
    await control.close();
    uninstall();
    removePidFile();
    flushLogs();
    process.exit(code);
  } catch (error) {
    removePidFile();
    await plugins?.close();
    await control?.close();
    return exitWithConfigError(error, logger);
  }
}

/** Report a startup failure: config errors exit 2, anything else 1. */
function exitWithConfigError(error: unknown, logger: Logger | undefined): never {
  const usage = error instanceof ConfigError;
  const message = describeError(error);
  if (logger) logger.fatal({ err: error, code: (error as { code?: string }).code }, message);
  else process.stdout.write(`${JSON.stringify({ level: 60, time: new Date().toISOString(), pid: process.pid, worker: 0, msg: message })}\n`);
  process.stderr.write(`oslo-node: ${message}\n`);
  flushLogs();
  process.exit(usage ? EXIT_USAGE : EXIT_FAILURE);
}
