/**
 * Which configuration files and code modules we agree to read (issue 27, 11): a world-writable
 * config file, and an `app` module owned by `nobody` named in it, were loaded without a word, so
 * `nobody`'s code ran as root after a SIGHUP. A config file or a manager, app or pool module is
 * refused when group or others may write it, when it belongs to a uid other than ours or root's,
 * or when it sits in a folder others may write without the sticky bit (they could replace it).
 * A config file that holds a secret and that others may read is loaded with a warning.
 *
 * What is checked is the file named (for a package, the entry file it resolves to), not the
 * modules it imports in turn. Without uids (Windows) nothing is checked.
 */
import { statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, ErrorCodes, ModuleLoadError, describeError } from '../errors.js';
import { iniKey } from '../config/option-types.js';
import { OPTIONS, type OptionName } from '../config/options.js';

function modeText(stats: Stats): string {
  return `0${(stats.mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/** Why a file with these stats (and its folder's) may have been changed by someone else, or undefined. */
function untrusted(stats: Stats, folder: Stats | undefined, uid: number): string | undefined {
  if (stats.uid !== uid && stats.uid !== 0) return `it is owned by uid ${stats.uid}, neither us (uid ${uid}) nor root`;
  if ((stats.mode & 0o022) !== 0) return `group or others may write it (mode ${modeText(stats)})`;
  if (folder && (folder.mode & 0o002) !== 0 && (folder.mode & 0o1000) === 0)
    return `others may replace it: its folder is writable by all without the sticky bit (mode ${modeText(folder)})`;
  if (folder && folder.uid !== uid && folder.uid !== 0) return `its folder is owned by uid ${folder.uid}, neither us (uid ${uid}) nor root`;
  return undefined;
}

/** Why `path` is not to be trusted, or undefined; a file that cannot be stat'ed is left to its reader. */
export function untrustedFileReason(path: string): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return undefined;
  }
  let folder: Stats | undefined;
  try {
    folder = statSync(dirname(path));
  } catch {
    folder = undefined;
  }
  return untrusted(stats, folder, uid);
}

/** INI keys of the secret options (transport_url, admin_token, ...): a line setting one holds a secret. */
const SECRET_LINE = new RegExp(
  `^\\s*(${(Object.keys(OPTIONS) as OptionName[])
    .filter((name) => (OPTIONS[name] as { secret?: boolean }).secret === true)
    .map((name) => iniKey(name, OPTIONS[name]))
    .join('|')})\\s*[=:]\\s*\\S`,
  'm',
);

/**
 * Check a config file before its options are used: throws ConfigError (exit 2) when it is not
 * to be trusted; returns the warnings for a person (a secret in a file others may read).
 */
export function checkConfigFileTrust(file: string, text: string): string[] {
  const why = untrustedFileReason(file);
  if (why) throw new ConfigError(ErrorCodes.CONFIG_FILE, `refusing config file ${file}: ${why}`);
  let readable = false;
  try {
    readable = (statSync(file).mode & 0o004) !== 0;
  } catch (error) {
    return [`cannot check who may read config file ${file}: ${describeError(error)}`];
  }
  if (readable && process.getuid !== undefined && SECRET_LINE.test(text)) {
    return [`config file ${file} holds a secret (${SECRET_LINE.exec(text)![1]}) and others may read it; make it mode 0600 or 0640`];
  }
  return [];
}

/**
 * Before a manager, app or pool module is imported: throws ModuleLoadError (permanent: exit 2)
 * when its file is not to be trusted. `specifier` is the import specifier (a file: URL, or a
 * package name left to import(), which is not checked here).
 */
export function checkModuleTrust(modulePath: string, specifier: string, kind: 'manager' | 'app' | 'pool'): void {
  if (!specifier.startsWith('file:')) return;
  const why = untrustedFileReason(fileURLToPath(specifier));
  if (why) throw new ModuleLoadError(modulePath, `refusing ${kind} module ${modulePath}: ${why}`);
}
