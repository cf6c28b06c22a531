/**
 * Command-line parsing derived from the option table: every option is a flag named after it
 * (`ssl_cert_file` → `--ssl-cert-file VALUE` or `--ssl-cert-file=VALUE`), booleans take
 * `--access-log` / `--no-access-log`. `--config-file` may repeat, and so may a multi-valued
 * option (oslo's MultiStrOpt: `--notification-driver log --notification-driver messagingv2`).
 * Short flags, as oslo has them: `-h` help, `-V` version, `-d` debug.
 */
import { ConfigError, ErrorCodes } from '../errors.js';
import { flagName } from './option-types.js';
import { didYouMean } from './suggest.js';
import { OPTIONS, type OptionName } from './options.js';

export interface ParsedArgs {
  /** option name → raw value, in command-line order (later wins; a multi-valued option's values joined by commas). */
  readonly values: Map<OptionName, string | boolean>;
  readonly configFiles: string[];
  readonly help: boolean;
  readonly version: boolean;
  /** Non-flag words, for commands that take them (the rpc CLI). */
  readonly positionals: string[];
}

/** oslo's short flags (oslo.log's `-d`), and the usual -h and -V. */
const SHORT_FLAGS: Readonly<Record<string, 'help' | 'version' | 'debug'>> = { '-h': 'help', '-V': 'version', '-d': 'debug' };

const FLAG_TO_OPTION = new Map<string, OptionName>((Object.keys(OPTIONS) as OptionName[]).map((name) => [flagName(name), name]));

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
    const short = Object.hasOwn(SHORT_FLAGS, arg) ? SHORT_FLAGS[arg] : undefined;
    if (short === 'help') help = true;
    else if (short === 'version') version = true;
    else if (short === 'debug') values.set('debug', true);
    if (short) continue;
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

    if (flag === '--help') help = true;
    else if (flag === '--version') version = true;
    else if (flag === '--config-file') configFiles.push(takeValue());
    else {
      const name = FLAG_TO_OPTION.get(flag);
      if (name && OPTIONS[name].type === 'bool') {
        values.set(name, inline ?? true);
        continue;
      }
      if (name) {
        const value = takeValue();
        const before = values.get(name);
        const multi = 'multi' in OPTIONS[name] && typeof before === 'string';
        values.set(name, multi ? `${before},${value}` : value);
        continue;
      }
      const negated = flag.startsWith('--no-') ? FLAG_TO_OPTION.get(`--${flag.slice(5)}`) : undefined;
      if (negated && OPTIONS[negated].type === 'bool' && inline === undefined) {
        values.set(negated, false);
        continue;
      }
      usage(`unknown option ${flag}${didYouMean(flag, FLAG_TO_OPTION.keys())}`);
    }
  }
  return { values, configFiles, help, version, positionals };
}
