/**
 * Option declarations: the shape of one row of the option table (`options.ts`).
 * Everything else (CLI flags, environment variables, INI keys, `--help`, validation) derives
 * from these rows.
 */

/** An oslo.config-style group; it is also the INI section the option is read from. */
export type OptionGroup =
  | 'DEFAULT'
  | 'wsgi'
  | 'ssl'
  | 'oslo_messaging_rabbit'
  | 'oslo_messaging_notifications'
  | 'periodic'
  | 'launcher'
  | 'database'
  | 'upgrade_levels';

interface BaseOption<T> {
  /** INI section; options are unique by name across groups, so CLI and env stay flat. */
  readonly group: OptionGroup;
  /**
   * Key inside the INI section (and transport_url query) when it differs from the option's
   * name: oslo reuses names across groups (`[wsgi] ssl_cert_file`, `[oslo_messaging_rabbit]
   * ssl_cert_file`) while flags and environment variables are flat.
   */
  readonly ini?: string;
  /** One line for `--help` and README. */
  readonly help: string;
  /** Mask the value in logs and `--help` (passwords, tokens). */
  readonly secret?: boolean;
  /** The default, or a function computing it on this machine (worker count, hostname). */
  readonly default: T | (() => T);
}

export interface IntOption extends BaseOption<number> {
  readonly type: 'int';
  readonly min?: number;
  readonly max?: number;
}

export interface FloatOption extends BaseOption<number> {
  readonly type: 'float';
  readonly min?: number;
  readonly max?: number;
}

export interface BoolOption extends BaseOption<boolean> {
  readonly type: 'bool';
}

export interface StringOption extends BaseOption<string> {
  readonly type: 'string';
  /** When set, the value must be one of these. */
  readonly choices?: readonly string[];
}

/** A string that may be left unset (oslo's `default=None`). */
export interface OptionalStringOption extends BaseOption<string | undefined> {
  readonly type: 'optional-string';
}

/** oslo's ListOpt / MultiStrOpt: comma-separated values (blanks dropped). */
export interface ListOption extends BaseOption<readonly string[]> {
  readonly type: 'list';
  /** When set, every element must be one of these. */
  readonly choices?: readonly string[];
  /**
   * oslo's MultiStrOpt: a key repeated in the config files (or a flag repeated) adds values
   * instead of replacing them. Without it a repeated key warns and the last one counts.
   */
  readonly multi?: boolean;
}

/**
 * oslo's DictOpt: `key:value` pairs, comma-separated, on the command line and in the
 * environment. With `wholeSection`, the option owns its INI section: every `key = value` line
 * of it is one entry (`[upgrade_levels] compute = auto`), entries of later files winning.
 */
export interface DictOption extends BaseOption<Readonly<Record<string, string>>> {
  readonly type: 'dict';
  readonly wholeSection?: boolean;
  /** Every value must match `pattern`; `expected` says what that is in the error. */
  readonly values?: { readonly pattern: RegExp; readonly expected: string };
}

export type OptionSpec = IntOption | FloatOption | BoolOption | StringOption | OptionalStringOption | ListOption | DictOption;

/** The TypeScript type of an option's value. */
export type OptionValue<S> = S extends IntOption | FloatOption
  ? number
  : S extends BoolOption
    ? boolean
    : S extends StringOption
      ? string
      : S extends OptionalStringOption
        ? string | undefined
        : S extends ListOption
          ? readonly string[]
          : S extends DictOption
            ? Readonly<Record<string, string>>
            : never;

/** `ssl_cert_file` → `--ssl-cert-file`. */
export function flagName(option: string): string {
  return `--${option.replaceAll('_', '-')}`;
}

/** Prefix of every environment variable that sets an option (`OSLO_NODE_WORKERS=4`). */
export const ENV_PREFIX = 'OSLO_NODE_';

/** `ssl_cert_file` → `OSLO_NODE_SSL_CERT_FILE`. */
export function envName(option: string): string {
  return `${ENV_PREFIX}${option.toUpperCase()}`;
}

/** The key of an option inside its INI section. */
export function iniKey(option: string, spec: OptionSpec): string {
  return 'ini' in spec && spec.ini !== undefined ? spec.ini : option;
}
