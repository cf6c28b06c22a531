/** `--manager MODULE`: import a user's Manager class (the module's default export). */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModuleLoadError, describeError } from '../errors.js';
import { Manager, type ManagerClass } from './manager.js';

/**
 * Resolve `modulePath` against the working directory (or as a package) and return its class.
 * @throws ModuleLoadError (permanent: the launcher exits 2) for an import failure or a default
 *   export that is not a Manager class.
 */
export async function loadManager(modulePath: string): Promise<ManagerClass> {
  const specifier = modulePath.startsWith('.') || isAbsolute(modulePath) ? pathToFileURL(resolve(modulePath)).href : modulePath;
  let exported: unknown;
  try {
    const mod = (await import(specifier)) as { default?: unknown };
    exported = mod.default;
  } catch (error) {
    throw new ModuleLoadError(modulePath, `cannot load manager module ${modulePath}: ${describeError(error)}`, { cause: error });
  }
  if (typeof exported !== 'function' || !(exported.prototype instanceof Manager)) {
    throw new ModuleLoadError(modulePath, `cannot load manager module ${modulePath}: it must default-export a class extending Manager`);
  }
  return exported as ManagerClass;
}
