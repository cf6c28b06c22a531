/**
 * The configuration of a transport made from code (getRpcTransport() and friends): option values
 * by oslo name, checked by the launcher's own loader (src/config/load.ts) so that a value the
 * launcher refuses is refused here with the same ConfigError.
 *
 * Names are taken as oslo.config spells them: the launcher's flat names (`rabbit_quorum_queue`,
 * `transport_url`, `embedded_socket`), oslo's `[oslo_messaging_rabbit]` keys where ours differ
 * (`ssl`, `ssl_ca_file`, …; these win over the HTTPS options of the same flat name, which a
 * transport has no use for), or whole sections as objects, as `conf.oslo_messaging_rabbit.ssl`
 * reads them: `{ oslo_messaging_rabbit: { ssl: true, rabbit_quorum_queue: true } }`.
 */
import { loadConfig, type ConfigOverrides } from '../../config/load.js';
import { iniKey } from '../../config/option-types.js';
import { OPTIONS, type Config, type OptionName } from '../../config/options.js';
import { ConfigError, ErrorCodes } from '../../errors.js';

/** One option's value; a list option takes an array or a comma-separated string. */
export type TransportOptionValue = string | number | boolean | readonly string[];

/**
 * Option values by oslo name, or sections (`oslo_messaging_rabbit`, `DEFAULT`, …) as objects.
 * An undefined value is skipped (so `{ embedded_socket: process.env.SOCKET }` type-checks).
 */
export type TransportConfigValues = Readonly<
  Record<string, TransportOptionValue | undefined | Readonly<Record<string, TransportOptionValue | undefined>>>
>;

export interface TransportConfigOptions {
  /** Option values by oslo name (see TransportConfigValues); above every other source. */
  readonly config?: TransportConfigValues;
  /** oslo.config INI files read first, as the launcher's `--config-file` (in order). */
  readonly configFiles?: readonly string[];
  /** The environment whose `OSLO_NODE_*` variables are read (default process.env; `{}`: none). */
  readonly env?: NodeJS.ProcessEnv;
}

const NAMES = Object.keys(OPTIONS) as OptionName[];
const SECTIONS: ReadonlySet<string> = new Set(['DEFAULT', ...NAMES.map((name) => OPTIONS[name].group)]);
/** `section.key` → option, by each option's INI key in its own section. */
const BY_SECTION_KEY = new Map<string, OptionName>(NAMES.map((name) => [`${OPTIONS[name].group}.${iniKey(name, OPTIONS[name])}`, name]));

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

function unknown(name: string, where: string): ConfigError {
  return new ConfigError(ErrorCodes.CONFIG_USAGE, `unknown option ${name}${where}`, { option: name });
}

/** The option `key` names in `section`: its INI key there, or its flat name. */
function inSection(section: string, key: string): OptionName | undefined {
  const own = BY_SECTION_KEY.get(`${section}.${key}`);
  if (own) return own;
  if (isOptionName(key) && (section === 'DEFAULT' || OPTIONS[key].group === section)) return key;
  return undefined;
}

/**
 * A flat key: oslo's [oslo_messaging_rabbit] key first (`ssl`, `ssl_ca_file`: for a transport
 * these are the broker's, not the launcher's HTTPS options of the same flat name), else the
 * option's own name.
 */
function flat(key: string): OptionName | undefined {
  return BY_SECTION_KEY.get(`oslo_messaging_rabbit.${key}`) ?? (isOptionName(key) ? key : undefined);
}

function raw(value: TransportOptionValue): string | number | boolean {
  return Array.isArray(value) ? value.join(',') : (value as string | number | boolean);
}

/** Option values by oslo name → the loader's overrides. Throws ConfigError for an unknown name. */
export function overridesFrom(values: TransportConfigValues = {}): ConfigOverrides {
  const overrides: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      if (!SECTIONS.has(key)) throw unknown(key, ' (neither an option nor a section)');
      for (const [sectionKey, sectionValue] of Object.entries(value as Record<string, TransportOptionValue>)) {
        if (sectionValue === undefined) continue;
        const name = inSection(key, sectionKey);
        if (!name) throw unknown(sectionKey, ` in section [${key}]`);
        overrides[name] = raw(sectionValue);
      }
      continue;
    }
    const name = flat(key);
    if (!name) throw unknown(key, '');
    overrides[name] = raw(value as TransportOptionValue);
  }
  return overrides as ConfigOverrides;
}

/**
 * The validated, frozen Config for a transport: option defaults, then `configFiles`, the
 * environment and `config`, each checked as the launcher checks it. Throws ConfigError.
 * (For `new AmqpTransport({ url, config: transportConfig({ config: { ssl: true } }), logger })`.)
 */
export function transportConfig(options: TransportConfigOptions = {}): Config {
  return loadTransportConfig(options).config;
}

/** transportConfig() with the config files' keys that match no option (to warn about). */
export function loadTransportConfig(options: TransportConfigOptions = {}): {
  config: Config;
  unknownFileKeys: string[];
  explicit: ReadonlySet<OptionName>;
} {
  const argv = (options.configFiles ?? []).map((file) => `--config-file=${file}`);
  const { config, unknownFileKeys, explicit } = loadConfig(argv, options.env ?? process.env, { overrides: overridesFrom(options.config) });
  return { config, unknownFileKeys, explicit };
}
