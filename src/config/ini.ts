/**
 * A small parser for oslo.config-style INI files: `[section]` headers, `key = value` lines,
 * `#` and `;` comments. Values are strings; typing happens in `coerce.ts`.
 */
import { ConfigError, ErrorCodes } from '../errors.js';

/** section → key → raw value. Keys before any header belong to `DEFAULT`. */
export type IniData = Map<string, Map<string, string>>;

/** Parse INI text; `source` names the file in error messages. */
export function parseIni(text: string, source: string): IniData {
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
    if (eq <= 0) {
      throw new ConfigError(ErrorCodes.CONFIG_FILE, `${source}:${index + 1}: expected "key = value", got "${line}"`);
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    let entries = data.get(section);
    if (!entries) data.set(section, (entries = new Map()));
    entries.set(key, value);
  }
  return data;
}
