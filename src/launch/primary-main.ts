/**
 * The CLI's primary side, a thin user of launch(): parse the command line (-h/--help,
 * -V/--version), run the launcher with signal handling, and turn its outcome into the exit code.
 * Exit codes: 0 graceful stop, 1 runtime failure or forced stop, 2 bad usage or configuration.
 * A usage or configuration error is one line on stderr; its stack only at debug level.
 */
import { ExitCode, debugRequested, helpOrVersion, printError, printHelpOrVersion } from '../cli/common.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { renderHelp } from '../config/help.js';
import { ConfigError, OsloNodeError } from '../errors.js';
import { createLogger, flushLogs, type LogFormat, type Logger } from '../logging/logger.js';
import { launch } from './launch.js';
import type { WorkerDefaults } from '../supervisor/supervisor.js';

export const EXIT_OK = ExitCode.OK;
export const EXIT_FAILURE = ExitCode.FAILURE;
export const EXIT_USAGE = ExitCode.USAGE;

const PROGRAM = 'oslo-node';

/**
 * Run the launcher's primary side; never returns (exits the process). `defaults` are the manager
 * and app modules workers load when the configuration names none. The default app belongs to
 * the default manager: with a `manager` of the user's own and no `app`, every path answers 404
 * (the framework's own routes aside), never the demo's app.
 */
export async function runPrimary(argv: string[], defaults: WorkerDefaults = {}): Promise<never> {
  const asked = helpOrVersion(argv);
  if (asked) process.exit(printHelpOrVersion(asked, renderHelp(PROGRAM)));
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(argv);
  } catch (error) {
    return exitWithStartupError(error, debugRequested(argv));
  }

  // launch() logs the configuration's warnings (unknown names, repeated keys).
  const { config } = loaded;
  const logger = createLogger({ level: config.log_level, workerId: 0, format: config.log_format as LogFormat });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception in the launcher; exiting');
    flushLogs();
    process.exit(EXIT_FAILURE);
  });
  const app = config.manager === undefined ? defaults.app : undefined;
  try {
    const launcher = await launch({ argv, manager: defaults.manager, app, logger, handleSignals: true, notifyParent: true });
    const code = await launcher.done;
    // A worker that cannot start (a module that does not load): one line, no restart loop.
    if (launcher.startFailure !== undefined) process.stderr.write(`oslo-node: ${launcher.startFailure}\n`);
    flushLogs();
    process.exit(code);
  } catch (error) {
    return exitWithStartupError(error, logger.isLevelEnabled('debug'), logger);
  }
}

/**
 * A start that failed: one line on stderr (config errors exit 2, anything else 1). The stack
 * goes with it at debug level, and always for an error that is not one of ours (a bug).
 */
function exitWithStartupError(error: unknown, debug: boolean, logger?: Logger): never {
  const ours = error instanceof OsloNodeError;
  if (!ours && logger) logger.fatal({ err: error }, 'the launcher failed to start');
  flushLogs();
  printError(PROGRAM, error, debug || (!ours && !logger));
  process.exit(error instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE);
}
