/**
 * Command-line parsing derived from the option table: every option is a flag named after it
 * (`ssl_cert_file` → `--ssl-cert-file VALUE` or `--ssl-cert-file=VALUE`), booleans take
 * `--access-log` / `--no-access-log`. `--config-file` may repeat.
 */
import { ConfigError, ErrorCodes } from '../errors.js';
import { flagName } from './option-types.js';
import { OPTIONS, type OptionName } from './options.js';

export interface ParsedArgs {
  /** option name → raw value, in command-line order (later wins). */
  readonly values: Map<OptionName, string | boolean>;
  readonly configFiles: string[];
  readonly help: boolean;
  readonly version: boolean;
  /** Non-flag words, for commands that take them (the rpc CLI). */
  readonly positionals: string[];
}

const FLAG_TO_OPTION = new Map<string, OptionName>(
  (Object.keys(OPTIONS) as OptionName[]).map((name) => [flagName(name), name]),
);

/** Parse argv (without node and the script). `allowPositionals` for subcommand CLIs. */
export function parseArgs(argv: readonly string[], allowPositionals = false): ParsedArgs {
  const values = new Map<OptionName, string | boolean>();
  const configFiles: string[] = [];
  const positionals: string[] = [];
  let help = false;
  let version = false;
  const usage = (message: string): never => {
    throw new ConfigError(ErrorCodes.CONFIG_USAGE, `${message} (see --help)`);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      if (!allowPositionals) usage(`unexpected argument "${arg}"`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined) return usage(`${flag} needs a value`);
      i++;
      return next;
    };

    if (flag === '--help' || flag === '-h') help = true;
    else if (flag === '--version') version = true;
    else if (flag === '--config-file') configFiles.push(takeValue());
    else {
      const name = FLAG_TO_OPTION.get(flag);
      if (name && OPTIONS[name].type === 'bool') {
        values.set(name, inline ?? true);
        continue;
      }
      if (name) {
        values.set(name, takeValue());
        continue;
      }
      const negated = flag.startsWith('--no-') ? FLAG_TO_OPTION.get(`--${flag.slice(5)}`) : undefined;
      if (negated && OPTIONS[negated].type === 'bool' && inline === undefined) {
        values.set(negated, false);
        continue;
      }
      usage(`unknown option ${flag}`);
    }
  }
  return { values, configFiles, help, version, positionals };
}

/**
 * A command-line tool's first step (rpc.js, ctl.js): parse `argv`; on --help print `usage`
 * (exit 0), on a usage error its message and `usage` on stderr (exit 2).
 */
export function parseCommandLine<C>(argv: readonly string[], parse: (argv: readonly string[]) => C | 'help', usage: string): { command: C } | { exitCode: number } {
  let command: C | 'help';
  try {
    command = parse(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    return { exitCode: 2 };
  }
  if (command === 'help') {
    process.stdout.write(`${usage}\n`);
    return { exitCode: 0 };
  }
  return { command };
}
