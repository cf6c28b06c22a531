/** `--manager MODULE`: import a user's Manager class (the module's default export). */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, OsloNodeError, describeError } from '../errors.js';
import { Manager, type ManagerClass } from './manager.js';

/** Resolve `modulePath` against the working directory (or as a package) and return its class. */
export async function loadManager(modulePath: string): Promise<ManagerClass> {
  const specifier = modulePath.startsWith('.') || isAbsolute(modulePath) ? pathToFileURL(resolve(modulePath)).href : modulePath;
  let exported: unknown;
  try {
    const mod = (await import(specifier)) as { default?: unknown };
    exported = mod.default;
  } catch (error) {
    throw new OsloNodeError(ErrorCodes.MODULE_LOAD, `cannot load manager module ${modulePath}: ${describeError(error)}`, { cause: error });
  }
  if (typeof exported !== 'function' || !(exported.prototype instanceof Manager)) {
    throw new OsloNodeError(ErrorCodes.MODULE_LOAD, `manager module ${modulePath} must default-export a class extending Manager`);
  }
  return exported as ManagerClass;
}
