/**
 * `--manager MODULE`: import a user's Manager class (the module's default export). The module is
 * named as `--app`'s is (module-specifier.ts): `dist/manager.js` under the working directory is
 * that file, a package resolves from the working directory.
 */
import { ModuleLoadError, describeError } from '../errors.js';
import { Manager, type ManagerClass } from './manager.js';
import { specifierFor } from './module-specifier.js';
import { checkModuleTrust } from '../security/file-trust.js';

/**
 * Import `modulePath` and return its class.
 * @throws ModuleLoadError (permanent: the launcher exits 2) for an import failure or a default
 *   export that is not a Manager class.
 */
export async function loadManager(modulePath: string): Promise<ManagerClass> {
  const specifier = specifierFor(modulePath);
  checkModuleTrust(modulePath, specifier, 'manager');
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
