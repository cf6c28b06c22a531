/**
 * Input that matches no option: environment variables with our prefix and config-file keys
 * and sections. Each gets one warning line naming the nearest known name, as a slip
 * (`OSLO_NODE_WROKERS`) would otherwise be ignored without a word.
 */
import { ENV_PREFIX, envName, iniKey } from './option-types.js';
import { OPTIONS, type OptionName } from './options.js';
import { didYouMean } from './suggest.js';

const NAMES = Object.keys(OPTIONS) as OptionName[];
const ENV_NAMES: ReadonlySet<string> = new Set(NAMES.map(envName));

/**
 * `OSLO_NODE_*` variables that are not options: the test suite's and the scripts' own
 * settings (brokers, databases, the trixie root, soak and fuzz lengths, benchmark counters).
 * They never warn.
 */
export const RESERVED_ENV_PREFIXES: readonly string[] = [
  'TEST_',
  'RABBITMQ_',
  'POSTGRES_',
  'TRIXIE_',
  'SOAK_',
  'FUZZ_',
  'COUNT_IPC_',
  'BENCH_',
].map((rest) => `${ENV_PREFIX}${rest}`);

/** One warning per `OSLO_NODE_*` variable that sets no option. */
export function unknownEnvironmentWarnings(env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith(ENV_PREFIX) || ENV_NAMES.has(name) || RESERVED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    warnings.push(`unknown environment variable ${name} (ignored)${didYouMean(name, ENV_NAMES)}`);
  }
  return warnings;
}

/** The INI sections options live in. */
export const SECTIONS: ReadonlySet<string> = new Set(NAMES.map((name) => OPTIONS[name].group));

/** Keys each section accepts: its options' INI keys; [DEFAULT] also takes every option by name. */
const KEYS_BY_SECTION = new Map<string, Set<string>>();
for (const name of NAMES) {
  const { group } = OPTIONS[name];
  if (!KEYS_BY_SECTION.has(group)) KEYS_BY_SECTION.set(group, new Set());
  KEYS_BY_SECTION.get(group)!.add(iniKey(name, OPTIONS[name]));
}
KEYS_BY_SECTION.set('DEFAULT', new Set([...(KEYS_BY_SECTION.get('DEFAULT') ?? []), ...NAMES]));

/**
 * A key that sets nothing in its section: where it belongs when it is an option's key (or flat
 * name) elsewhere, else the nearest key of the section.
 */
export function unknownKeyWarning(file: string, section: string, key: string): string {
  return `unknown config key ${key} in [${section}] of ${file} (ignored)${keyHint(section, key)}`;
}

function keyHint(section: string, key: string): string {
  const option = NAMES.find((name) => name === key) ?? NAMES.find((name) => iniKey(name, OPTIONS[name]) === key);
  if (option !== undefined) {
    const spec = OPTIONS[option];
    const where = spec.group === section ? '' : ` in [${spec.group}]`;
    return `; did you mean ${iniKey(option, spec)}${where}?`;
  }
  return didYouMean(key, KEYS_BY_SECTION.get(section) ?? []);
}

/** A section no option lives in: one warning for all its keys. */
export function unknownSectionWarning(file: string, section: string, keys: number): string {
  return `config file ${file}: section [${section}] holds no option of ours; its ${keys === 1 ? 'key is' : `${keys} keys are`} ignored${didYouMean(section, SECTIONS, (s) => `[${s}]`)}`;
}
