/**
 * A command's own flags (`--server S`, `--fanout`, `--count N`...) taken out of argv before the
 * rest goes to loadConfig: `--flag VALUE`, `--flag=VALUE`, and switches without a value.
 */
import { ConfigError, ErrorCodes } from '../errors.js';

/** `value`: the flag takes a value; `switch`: it stands alone. */
export type OwnFlagSpec = Readonly<Record<string, 'value' | 'switch'>>;

export interface OwnFlags {
  /** Values by flag (a switch maps to "true"); the last occurrence wins. */
  readonly values: ReadonlyMap<string, string>;
  /** Everything else, in order. */
  readonly rest: string[];
}

/** Split `argv`; a value flag without its value throws a usage ConfigError. */
export function takeOwnFlags(argv: readonly string[], spec: OwnFlagSpec): OwnFlags {
  const values = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const kind = Object.hasOwn(spec, flag) ? spec[flag] : undefined;
    if (kind === 'switch' && inline === undefined) values.set(flag, 'true');
    else if (kind === 'value') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new ConfigError(ErrorCodes.CONFIG_USAGE, `${flag} needs a value`);
      values.set(flag, value);
    } else rest.push(arg);
  }
  return { values, rest };
}

/** A positive number of seconds from a flag, or a usage ConfigError naming it. */
export function positiveSeconds(flag: string, text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value))
    throw new ConfigError(ErrorCodes.CONFIG_USAGE, `${flag} must be a positive number of seconds, not ${JSON.stringify(text)}`);
  return value;
}
