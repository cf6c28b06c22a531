/**
 * A small parser for oslo.config-style INI files: `[section]` headers, `key = value` lines,
 * `#` and `;` comments. Values are strings; typing happens in `coerce.ts`.
 */
import { ConfigError, ErrorCodes } from '../errors.js';

/** section → key → raw value. Keys before any header belong to `DEFAULT`. */
export type IniData = Map<string, Map<string, string>>;

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
      throw new ConfigError(ErrorCodes.CONFIG_FILE, `${source}:${index + 1}: expected "key = value"${option} (the line is not shown: it may hold a secret)`);
    }
    const value = line.slice(eq + 1).trim();
    let entries = data.get(section);
    if (!entries) data.set(section, (entries = new Map()));
    entries.set(key, value);
  }
  return data;
}
