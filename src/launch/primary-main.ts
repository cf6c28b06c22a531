/**
 * The CLI's primary side, a thin user of launch(): parse the command line (--help, --version),
 * run the launcher with signal handling, and turn its outcome into the exit code.
 * Exit codes: 0 graceful stop, 1 runtime failure or forced stop, 2 bad usage or configuration.
 */
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { renderHelp } from '../config/help.js';
import { ConfigError, describeError } from '../errors.js';
import { createLogger, flushLogs, type LogFormat, type Logger } from '../logging/logger.js';
import { VERSION } from '../version.js';
import { launch } from './launch.js';
import type { WorkerDefaults } from '../supervisor/supervisor.js';

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
    return exitWithStartupError(error, createLogger({ level: 'info', workerId: 0 }));
  }
  if (loaded.args.help) {
    process.stdout.write(`${renderHelp('node dist/launcher.js')}\n`);
    process.exit(EXIT_OK);
  }
  if (loaded.args.version) {
    process.stdout.write(`${VERSION}\n`);
    process.exit(EXIT_OK);
  }

  const logger = createLogger({ level: loaded.config.log_level, workerId: 0, format: loaded.config.log_format as LogFormat });
  for (const key of loaded.unknownFileKeys) logger.warn({ key }, 'config file key matches no option; ignored');
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception in the launcher; exiting');
    flushLogs();
    process.exit(EXIT_FAILURE);
  });
  try {
    const launcher = await launch({ argv, manager: defaults.manager, app: defaults.app, logger, handleSignals: true, notifyParent: true });
    const code = await launcher.done;
    // A worker that cannot start (a module that does not load): one line, no restart loop.
    if (launcher.startFailure !== undefined) process.stderr.write(`oslo-node: ${launcher.startFailure}\n`);
    flushLogs();
    process.exit(code);
  } catch (error) {
    return exitWithStartupError(error, logger);
  }
}

/** Report a startup failure: config errors exit 2, anything else 1. */
function exitWithStartupError(error: unknown, logger: Logger): never {
  const message = describeError(error);
  logger.fatal({ err: error, code: (error as { code?: string }).code }, message);
  process.stderr.write(`oslo-node: ${message}\n`);
  flushLogs();
  process.exit(error instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE);
}
