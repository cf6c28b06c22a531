/**
 * Builds the frozen configuration from, lowest precedence first: the option defaults, the INI
 * files named by `--config-file` (in order), the environment (`OSLO_NODE_*`), and the command
 * line. Validation happens here, once; workers receive the result from the primary.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, ErrorCodes, describeError } from '../errors.js';
import { parseArgs, type ParsedArgs } from './cli.js';
import { coerceOption } from './coerce.js';
import { parseIni } from './ini.js';
import { envName, flagName, iniKey, type OptionSpec } from './option-types.js';
import { OPTIONS, type Config, type OptionName } from './options.js';

/** Option values given in code (launch()), above every other source; checked like the rest. */
export type ConfigOverrides = Partial<Record<OptionName, string | number | boolean>>;

export interface LoadedConfig {
  readonly config: Config;
  readonly args: ParsedArgs;
  /** INI keys that match no option, as `section.key`: logged as warnings, like oslo.config. */
  readonly unknownFileKeys: string[];
}

const NAMES = Object.keys(OPTIONS) as OptionName[];
const KNOWN_KEYS: ReadonlySet<string> = new Set(NAMES);

/** Parse argv + env + config files into a validated, frozen Config. Throws ConfigError. */
export function loadConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  options: { allowPositionals?: boolean; overrides?: ConfigOverrides } = {},
): LoadedConfig {
  const args = parseArgs(argv, options.allowPositionals ?? false);
  const values: Record<string, unknown> = Object.create(null);
  for (const name of NAMES) {
    const spec = OPTIONS[name];
    values[name] = typeof spec.default === 'function' ? spec.default() : spec.default;
  }

  const unknownFileKeys: string[] = [];
  for (const file of args.configFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(ErrorCodes.CONFIG_FILE, `cannot read config file ${file}: ${describeError(error)}`, {
        cause: error,
      });
    }
    for (const [section, entries] of parseIni(text, file, KNOWN_KEYS)) {
      for (const [key, raw] of entries) {
        const whole = WHOLE_SECTION.get(section);
        if (whole && !fileOption(section, key)) {
          // `[upgrade_levels] compute = auto`: the key is the entry's, not an option's name.
          const entry = coerceOption(whole, OPTIONS[whole], `${key}:${raw}`, `${file} [${section}]`) as Record<string, string>;
          values[whole] = Object.freeze({ ...(values[whole] as Record<string, string>), ...entry });
          continue;
        }
        const name = fileOption(section, key);
        if (!name) {
          unknownFileKeys.push(`${section}.${key}`);
          continue;
        }
        values[name] = coerceOption(name, OPTIONS[name], raw, `${file} [${section}]`);
      }
    }
  }

  for (const name of NAMES) {
    const raw = env[envName(name)];
    if (raw !== undefined) values[name] = coerceOption(name, OPTIONS[name], raw, `environment ${envName(name)}`);
  }
  for (const [name, raw] of args.values) {
    values[name] = coerceOption(name, OPTIONS[name], raw, `command line ${flagName(name)}`);
  }
  for (const [name, value] of Object.entries(options.overrides ?? {})) {
    if (!NAMES.includes(name as OptionName)) throw new ConfigError(ErrorCodes.CONFIG_USAGE, `unknown option ${name}`, { option: name });
    const raw = typeof value === 'boolean' ? value : String(value);
    values[name] = coerceOption(name, OPTIONS[name as OptionName], raw, `option ${name}`);
  }

  checkCombinations(values as Config);
  return { config: Object.freeze(values) as Config, args, unknownFileKeys };
}

/** Sections a dict option owns whole: section → option. */
const WHOLE_SECTION = new Map<string, OptionName>(
  NAMES.flatMap((name): Array<[string, OptionName]> => {
    const spec = OPTIONS[name] as OptionSpec;
    return spec.type === 'dict' && spec.wholeSection ? [[spec.group, name]] : [];
  }),
);

/** `section.key` → option, by each option's INI key in its own section. */
const BY_SECTION_KEY = new Map<string, OptionName>(NAMES.map((name) => [`${OPTIONS[name].group}.${iniKey(name, OPTIONS[name])}`, name]));

/** The option a config-file key sets: its own section, or [DEFAULT] by the option's name. */
function fileOption(section: string, key: string): OptionName | undefined {
  const own = BY_SECTION_KEY.get(`${section}.${key}`);
  if (own) return own;
  return section === 'DEFAULT' && NAMES.includes(key as OptionName) ? (key as OptionName) : undefined;
}

/** Rules that involve more than one option. */
function checkCombinations(config: Config): void {
  const fail = (option: string, message: string): never => {
    throw new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option ${option}: ${message}`, { option });
  };
  if (config.restart_backoff_initial > config.restart_backoff_max) {
    fail('restart_backoff_initial', 'must not exceed restart_backoff_max');
  }
  if (config.request_timeout > 0 && config.header_timeout > config.request_timeout) {
    fail('header_timeout', `must not exceed request_timeout (${config.request_timeout}), which bounds the head too`);
  }
  const rabbitProblem = rabbitOptionProblem(config);
  if (rabbitProblem) fail(rabbitProblem.option, rabbitProblem.message);
}

/**
 * The [oslo_messaging_rabbit] combinations oslo.messaging 16.1 refuses at start (its
 * RuntimeErrors), checked here and again after the transport URL's query overrides.
 */
export function rabbitOptionProblem(
  options: Pick<Config, 'rabbit_ha_queues' | 'rabbit_quorum_queue' | 'rabbit_stream_fanout' | 'rabbit_qos_prefetch_count' | 'rabbit_transient_quorum_queue'>,
): { option: string; message: string } | undefined {
  if (options.rabbit_ha_queues && options.rabbit_quorum_queue) {
    return { option: 'rabbit_quorum_queue', message: 'cannot be combined with rabbit_ha_queues' };
  }
  // oslo builds the reply and fanout queues' arguments with the same check.
  if (options.rabbit_ha_queues && options.rabbit_transient_quorum_queue) {
    return { option: 'rabbit_transient_quorum_queue', message: 'cannot be combined with rabbit_ha_queues' };
  }
  if (options.rabbit_stream_fanout && options.rabbit_qos_prefetch_count <= 0) {
    return { option: 'rabbit_stream_fanout', message: 'needs rabbit_qos_prefetch_count greater than 0' };
  }
  if (options.rabbit_stream_fanout && !options.rabbit_transient_quorum_queue) {
    return { option: 'rabbit_stream_fanout', message: 'needs rabbit_transient_quorum_queue = true' };
  }
  return undefined;
}

/** Rebuild a Config from the plain object a worker received over IPC. */
export function configFromJson(json: unknown): Config {
  if (typeof json !== 'object' || json === null) throw new ConfigError(ErrorCodes.CONFIG_INVALID, 'config must be an object');
  const values: Record<string, unknown> = Object.create(null);
  for (const name of NAMES) values[name] = (json as Record<string, unknown>)[name];
  return Object.freeze(values) as Config;
}

/** The config as it may be logged: secrets masked, passwords in URLs hidden. */
export function loggableConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of NAMES) {
    const value = config[name];
    out[name] = 'secret' in OPTIONS[name] && value !== undefined ? '***' : value;
  }
  return out;
}
