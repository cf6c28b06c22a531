/**
 * What the three command-line tools (`oslo-node`, `oslo-node-rpc`, `oslo-node-ctl`) share:
 * their exit codes, their own names, the one-line usage error, `-h`/`-V`, warnings on stderr
 * and JSON arguments. A person meets these first: an error is one line naming the program,
 * and its stack shows only at debug level.
 */
import { ConfigError, ErrorCodes, describeError } from '../errors.js';
import { VERSION } from '../version.js';

/** Exit codes of every CLI: 0 ok, 1 failure (remote error, refused), 2 usage or configuration, 3 unreachable. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, UNREACHABLE: 3 } as const;

/**
 * The package's bins, as users type them. The usage texts always say these names (also when
 * run as `node dist/launcher.js`), so what a person copies from `--help` works after install.
 */
export type ProgramName = 'oslo-node' | 'oslo-node-rpc' | 'oslo-node-ctl';

/** A malformed command line: exit code 2. */
export function usageError(message: string): ConfigError {
  return new ConfigError(ErrorCodes.CONFIG_USAGE, message);
}

/**
 * `-h`/`--help` or `-V`/`--version` anywhere on the command line (before a `--`): answered
 * before anything else is checked, so help works whatever else is wrong.
 */
export function helpOrVersion(argv: readonly string[]): 'help' | 'version' | undefined {
  for (const arg of argv) {
    if (arg === '--') return undefined;
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '-V' || arg === '--version') return 'version';
  }
  return undefined;
}

/** `--help` on stdout, `--version` as the package version; the exit code (0). */
export function printHelpOrVersion(which: 'help' | 'version', usage: string): number {
  process.stdout.write(`${which === 'help' ? usage : VERSION}\n`);
  return ExitCode.OK;
}

/**
 * Whether the command line or environment asks for debug output (`--debug`, `-d`,
 * `--log-level debug|trace`, OSLO_NODE_DEBUG, OSLO_NODE_LOG_LEVEL): read by hand, since it
 * is needed when the configuration itself failed to load.
 */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const verbose = (level: string | undefined): boolean => level === 'debug' || level === 'trace';
  const yes = (value: string | undefined): boolean =>
    value !== undefined && ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());
  let debug = yes(env.OSLO_NODE_DEBUG) || verbose(env.OSLO_NODE_LOG_LEVEL);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '-d' || arg === '--debug') debug = true;
    else if (arg === '--no-debug') debug = false;
    else if (arg.startsWith('--debug=')) debug = yes(arg.slice('--debug='.length));
    else if (arg === '--log-level') debug ||= verbose(argv[i + 1]);
    else if (arg.startsWith('--log-level=')) debug ||= verbose(arg.slice('--log-level='.length));
  }
  return debug;
}

/**
 * Report an error the person can act on as one line on stderr (`oslo-node: message`, a usage
 * error pointing to `--help`); with `debug`, its stack follows.
 */
export function printError(program: string, error: unknown, debug = false, helpCommand: string = program): void {
  const message = describeError(error);
  const usage = error instanceof ConfigError && error.code === ErrorCodes.CONFIG_USAGE;
  process.stderr.write(`${program}: ${usage ? withHelpHint(message, helpCommand) : message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

/** A warning that does not stop the command: one line on stderr. */
export function printWarning(program: ProgramName | string, message: string): void {
  process.stderr.write(`${program}: warning: ${message}\n`);
}

/**
 * A command-line tool's first step (oslo-node-rpc, oslo-node-ctl): `-h`/`-V`, then `parse`;
 * a usage error is one line on stderr with a pointer to `--help`, exit 2.
 */
export function parseCommandLine<C>(
  program: ProgramName,
  argv: readonly string[],
  parse: (argv: readonly string[]) => C,
  usage: string,
  helpCommand: string = program,
): { command: C } | { exitCode: number } {
  const asked = helpOrVersion(argv);
  if (asked) return { exitCode: printHelpOrVersion(asked, usage) };
  try {
    return { command: parse(argv) };
  } catch (error) {
    printError(program, error, debugRequested(argv), helpCommand);
    return { exitCode: error instanceof ConfigError ? ExitCode.USAGE : ExitCode.FAILURE };
  }
}

/** `message (see oslo-node-rpc --help)`, without repeating a hint already there. */
function withHelpHint(message: string, command: string): string {
  const bare = message.replace(/ \(see --help\)$/, '');
  return `${bare} (see ${command} --help)`;
}

/** Parse a JSON command-line argument called `name`; a usage error when it is not JSON. */
export function parseJsonArgument(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw usageError(`${name} is not valid JSON: ${describeError(error)}`);
  }
}

/** A JSON object argument (keyword arguments); a usage error for anything else. */
export function parseJsonObjectArgument(text: string | undefined, name: string): Record<string, unknown> {
  const parsed = text === undefined ? {} : parseJsonArgument(text, name);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usageError(`${name} must be a JSON object of keyword arguments`);
  }
  return parsed as Record<string, unknown>;
}
