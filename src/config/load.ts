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
import { didYouMean } from './suggest.js';
import { SECTIONS, unknownEnvironmentWarnings, unknownKeyWarning, unknownSectionWarning } from './unknown-names.js';
import { OPTIONS, type Config, type OptionName } from './options.js';
import { checkConfigFileTrust } from '../security/file-trust.js';

/** Option values given in code (launch()), above every other source; checked like the rest. */
export type ConfigOverrides = Partial<Record<OptionName, string | number | boolean>>;

export interface LoadedConfig {
  readonly config: Config;
  readonly args: ParsedArgs;
  /** INI keys that match no option, as `section.key`: ignored, like oslo.config. */
  readonly unknownFileKeys: string[];
  /**
   * One line each for a person: unknown `OSLO_NODE_*` variables and config-file keys or
   * sections (with the nearest known name), and single-valued keys set twice in one file.
   */
  readonly warnings: string[];
  /** The options some source gave a value (the rest hold their defaults). */
  readonly explicit: ReadonlySet<OptionName>;
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
  // Options given a value by some source: a default may follow them, never refuse them.
  const explicit = new Set<OptionName>();

  const unknownFileKeys: string[] = [];
  const warnings = unknownEnvironmentWarnings(env);
  // A multi-valued option's values from every file and line, in order (oslo's MultiStrOpt).
  const collected = new Map<OptionName, string[]>();
  for (const file of args.configFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(ErrorCodes.CONFIG_FILE, `cannot read config file ${file}: ${describeError(error)}`, {
        cause: error,
      });
    }
    warnings.push(...checkConfigFileTrust(file, text)); // refuses a file others may change (issue 27, 11)
    for (const [section, entries] of parseIni(text, file, KNOWN_KEYS)) {
      const whole = WHOLE_SECTION.get(section);
      if (!SECTIONS.has(section) && !whole) {
        unknownFileKeys.push(...[...entries.keys()].map((key) => `${section}.${key}`));
        warnings.push(unknownSectionWarning(file, section, entries.size));
        continue;
      }
      for (const [key, lines] of entries) {
        if (whole && !fileOption(section, key)) {
          // `[upgrade_levels] compute = auto`: the key is the entry's, not an option's name.
          const raw = lines[lines.length - 1]!.value;
          const entry = coerceOption(whole, OPTIONS[whole], `${key}:${raw}`, `${file} [${section}]`) as Record<string, string>;
          values[whole] = Object.freeze({ ...(values[whole] as Record<string, string>), ...entry });
          continue;
        }
        const name = fileOption(section, key);
        if (!name) {
          unknownFileKeys.push(`${section}.${key}`);
          warnings.push(unknownKeyWarning(file, section, key));
          continue;
        }
        explicit.add(name);
        const spec = OPTIONS[name];
        const origin = `${file} [${section}]`;
        if ('multi' in spec && spec.multi) {
          const all = collected.get(name) ?? [];
          for (const { value } of lines) all.push(...(coerceOption(name, spec, value, origin) as readonly string[]));
          collected.set(name, all);
          values[name] = Object.freeze([...all]);
          continue;
        }
        if (lines.length > 1) {
          warnings.push(
            `config key ${key} is set ${lines.length} times in [${section}] of ${file} (lines ${lines.map((l) => l.line).join(', ')}); it takes one value, the last one counts`,
          );
        }
        values[name] = coerceOption(name, spec, lines[lines.length - 1]!.value, origin);
      }
    }
  }

  for (const name of NAMES) {
    const raw = env[envName(name)];
    if (raw === undefined) continue;
    values[name] = coerceOption(name, OPTIONS[name], raw, `environment ${envName(name)}`);
    explicit.add(name);
  }
  for (const [name, raw] of args.values) {
    values[name] = coerceOption(name, OPTIONS[name], raw, `command line ${flagName(name)}`);
    explicit.add(name);
  }
  for (const [name, value] of Object.entries(options.overrides ?? {})) {
    if (!NAMES.includes(name as OptionName))
      throw new ConfigError(ErrorCodes.CONFIG_USAGE, `unknown option ${name}${didYouMean(name, NAMES)}`, { option: name });
    const raw = typeof value === 'boolean' ? value : String(value);
    values[name] = coerceOption(name, OPTIONS[name as OptionName], raw, `option ${name}`);
    explicit.add(name as OptionName);
  }

  followExplicitValues(values as Mutable<Config>, explicit);
  checkCombinations(values as Config);
  return { config: Object.freeze(values) as Config, args, unknownFileKeys, warnings, explicit };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Defaults that depend on other options: an option left at its default never makes another
 * option's explicit value invalid, it follows it instead (`--request-timeout 30` alone lowers
 * header_timeout to 30). Two explicit values that clash are still refused (checkCombinations).
 * And oslo.log's `debug` means debug logging whatever log_level says.
 */
function followExplicitValues(config: Mutable<Config>, explicit: ReadonlySet<OptionName>): void {
  // [name, bound]: name must not exceed bound (when bound applies).
  const orderings: [OptionName & keyof Config, OptionName & keyof Config, (c: Config) => boolean][] = [
    ['header_timeout', 'request_timeout', (c) => c.request_timeout > 0],
    ['restart_backoff_initial', 'restart_backoff_max', () => true],
  ];
  for (const [low, high, applies] of orderings) {
    const lowValue = config[low] as number;
    const highValue = config[high] as number;
    if (!applies(config) || lowValue <= highValue) continue;
    if (!explicit.has(low)) (config as Record<string, unknown>)[low] = highValue;
    else if (!explicit.has(high)) (config as Record<string, unknown>)[high] = lowValue;
  }
  if (config.debug && config.log_level !== 'trace') config.log_level = 'debug';
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

/** Rules that involve more than one option (both set explicitly: see followExplicitValues). */
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
  options: Pick<
    Config,
    'rabbit_ha_queues' | 'rabbit_quorum_queue' | 'rabbit_stream_fanout' | 'rabbit_qos_prefetch_count' | 'rabbit_transient_quorum_queue'
  >,
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
