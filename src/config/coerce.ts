/**
 * Turns a raw value (a string from the CLI, an INI file or the environment) into the option's
 * type and checks its bounds. A bad value throws a ConfigError that names the option; nothing
 * is ever clamped quietly.
 */
import { ConfigError, ErrorCodes } from '../errors.js';
import type { OptionSpec } from './option-types.js';

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** Parse and check `raw` for option `name`; `origin` says where it came from (for the message). */
export function coerceOption(name: string, spec: OptionSpec, raw: string | boolean, origin: string): unknown {
  const fail = (why: string): never => {
    throw new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option ${name} (${origin}): ${why}`, {
      option: name,
    });
  };
  switch (spec.type) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return fail(`expected a boolean (true/false), got "${raw}"`);
    }
    case 'int':
    case 'float': {
      if (typeof raw === 'boolean') return fail('expected a number');
      const text = raw.trim();
      const pattern = spec.type === 'int' ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
      if (!pattern.test(text)) return fail(`expected ${spec.type === 'int' ? 'an integer' : 'a number'}, got "${raw}"`);
      const value = Number(text);
      if (spec.min !== undefined && value < spec.min) return fail(`${value} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) return fail(`${value} is above the maximum ${spec.max}`);
      return value;
    }
    case 'string': {
      if (typeof raw === 'boolean') return fail('expected a value');
      if (spec.choices && !spec.choices.includes(raw)) {
        return fail(`"${raw}" is not one of ${spec.choices.join(', ')}`);
      }
      return raw;
    }
    case 'list': {
      if (typeof raw === 'boolean') return fail('expected a comma-separated list');
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      const bad = spec.choices ? items.find((item) => !spec.choices!.includes(item)) : undefined;
      if (bad !== undefined) return fail(`"${bad}" is not one of ${spec.choices!.join(', ')}`);
      return Object.freeze(items);
    }
    case 'dict': {
      if (typeof raw === 'boolean') return fail('expected key:value pairs, comma-separated');
      const entries: Record<string, string> = Object.create(null);
      for (const pair of raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')) {
        const colon = pair.indexOf(':');
        const key = colon > 0 ? pair.slice(0, colon).trim() : '';
        const value = colon > 0 ? pair.slice(colon + 1).trim() : '';
        if (!/^[A-Za-z0-9_.-]{1,255}$/.test(key)) return fail(`expected key:value pairs, comma-separated, got "${pair}"`);
        if (spec.values && !spec.values.pattern.test(value)) return fail(`${key}: expected ${spec.values.expected}, got "${value}"`);
        entries[key] = value;
      }
      return Object.freeze(entries);
    }
    case 'optional-string': {
      if (typeof raw === 'boolean') return fail('expected a value');
      // An empty value means "unset", as oslo.config treats `opt =` for a default-None option.
      return raw === '' ? undefined : raw;
    }
  }
}
