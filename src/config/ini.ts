/**
 * A small parser for oslo.config-style INI files: `[section]` headers, `key = value` lines,
 * `#` and `;` comments. Values are strings; typing happens in `coerce.ts`. A key may appear
 * more than once: every value is kept, in order, as oslo.config keeps them (a MultiStrOpt
 * collects them; for other options the last one counts).
 */
import { ConfigError, ErrorCodes } from '../errors.js';

/** One `key = value` line: the raw value and its 1-based line number. */
export interface IniValue {
  readonly value: string;
  readonly line: number;
}

/** section → key → its values in file order. Keys before any header belong to `DEFAULT`. */
export type IniData = Map<string, Map<string, IniValue[]>>;

/**
 * Parse INI text; `source` names the file in error messages. A malformed line is never quoted
 * (it may be `admin_token  s3cret`): the error gives its number, and the option it starts with
 * when that is one of `knownKeys`.
 */
export function parseIni(text: string, source: string, knownKeys: ReadonlySet<string> = new Set()): IniData {
  const data: IniData = new Map();
  let section = 'DEFAULT';
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const eq = line.search(/[=:]/);
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    // A key with a blank in it is a missing "=" whose value holds a ":" (`admin_token s3:cret`).
    if (key === '' || /\s/.test(key)) {
      const first = /^[^\s=:]+/.exec(line)?.[0];
      const option = first !== undefined && knownKeys.has(first) ? ` for option ${first}` : '';
      throw new ConfigError(
        ErrorCodes.CONFIG_FILE,
        `${source}:${index + 1}: expected "key = value"${option} (the line is not shown: it may hold a secret)`,
      );
    }
    const value = line.slice(eq + 1).trim();
    let entries = data.get(section);
    if (!entries) data.set(section, (entries = new Map()));
    const values = entries.get(key);
    if (values) values.push({ value, line: index + 1 });
    else entries.set(key, [{ value, line: index + 1 }]);
  }
  return data;
}
