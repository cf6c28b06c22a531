/**
 * Where a pool task module is: a bare name (`digest`: `digest.js` in `pool_directory`), an
 * absolute path, or a file URL, as a string or a `URL`, so that a user's manager can name a
 * module of its own project with `new URL('./tasks/checksum.js', import.meta.url)`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCodes } from '../errors.js';
import { PoolError } from './errors.js';

/** A pool task module: a name in `pool_directory`, an absolute path, or a file URL. */
export type PoolModule = string | URL;

/** The package's own pool tasks (dist/pool-tasks/, beside dist/src/): the demo's `digest`. */
export const DEFAULT_POOL_DIRECTORY = new URL('../../pool-tasks/', import.meta.url);

const TASK_NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/** True when `module` names a module the pool can run (see the file comment); no file is read. */
export function isPoolModule(module: unknown): module is PoolModule {
  if (module instanceof URL) return module.protocol === 'file:';
  if (typeof module !== 'string') return false;
  if (module.startsWith('file:')) return URL.canParse(module);
  return isAbsolute(module) || TASK_NAME.test(module);
}

/** The text of a module reference, for logs, stats and error messages (a URL's href). */
export function poolModuleText(module: PoolModule): string {
  return module instanceof URL ? module.href : module;
}

/** `pool_directory` as a folder URL: relative to the working directory; unset, the package's own. */
export function resolvePoolDirectory(directory: string | URL | undefined): URL {
  if (directory === undefined || directory === '') return DEFAULT_POOL_DIRECTORY;
  const url = directory instanceof URL ? directory : pathToFileURL(resolve(directory));
  // A folder URL ends with a slash, or `new URL('digest.js', url)` would replace its last part.
  return url.href.endsWith('/') ? url : new URL(`${url.href}/`);
}

/**
 * The file URL of `module`; a bare name is `NAME.js` in `directory`.
 * @throws PoolError ERR_POOL_TASK_NAME for anything else (a relative path, another URL scheme).
 */
export function resolvePoolModule(module: PoolModule, directory: URL): URL {
  if (!isPoolModule(module)) {
    const text = String(module as unknown);
    throw new PoolError(
      ErrorCodes.POOL_TASK_NAME,
      `pool task ${JSON.stringify(text)} is neither a module name in pool_directory (no path, no extension), an absolute path, nor a file URL`,
      { task: text },
    );
  }
  if (module instanceof URL) return new URL(module.href);
  if (module.startsWith('file:')) return new URL(module);
  if (isAbsolute(module)) return pathToFileURL(module);
  return new URL(`${module}.js`, directory);
}

/** The file path of a resolved module, for messages. */
export function poolModulePath(url: URL): string {
  return fileURLToPath(url);
}

/** True when the module file exists. */
export function poolModuleExists(url: URL): boolean {
  return existsSync(url);
}
