/**
 * How `--manager` and `--app` name a module: a file (absolute, `./x`, `../x`, or a path such as
 * `dist/manager.js` that exists under the working directory) or a package, resolved from the
 * user's working directory, not from where oslo-node is installed.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The import specifier of a user module path (see the file comment). */
export function specifierFor(modulePath: string): string {
  const cwd = process.cwd();
  const asFile = isAbsolute(modulePath) ? modulePath : resolve(cwd, modulePath);
  if (modulePath.startsWith('.') || isAbsolute(modulePath) || existsSync(asFile)) {
    return pathToFileURL(asFile).href;
  }
  try {
    return pathToFileURL(createRequire(join(cwd, 'noop.js')).resolve(modulePath)).href;
  } catch {
    // ESM-only packages have no `require` condition: let import() resolve them.
    return modulePath;
  }
}
