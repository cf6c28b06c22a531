/**
 * A service's name when `binary` is not configured: its manager's class name without the
 * `Manager` suffix, in kebab case (`InventoryManager` -> `inventory`, `ComputeAPIManager` ->
 * `compute-api`, the demo's `DemoManager` -> `demo`), much as nova names a service's topic after
 * its binary (`nova-compute` -> `compute`). The topic defaults to the binary, so both follow.
 * A user's manager never lands on the demo's topic by accident.
 */
import { ConfigError, ErrorCodes } from '../errors.js';

/** The binary of a service without a manager of its own (the bare Manager: an app-only service). */
export const BARE_MANAGER_BINARY = 'oslo-node';

/** `InventoryManager` -> `inventory`; undefined when nothing is left to name it by. */
export function binaryFromClassName(className: string): string | undefined {
  if (className === 'default') return undefined; // `export default class extends Manager {}`
  const base = className.replace(/Manager$/, '');
  const words = base
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return words === '' ? undefined : words;
}

/**
 * The binary for `manager` (a Manager class): from its name, `oslo-node` for the bare Manager (a class named Manager);
 * an anonymous class is a ConfigError that says how to fix it.
 */
export function binaryFromManager(manager: { readonly name: string }): string {
  if (manager.name === 'Manager') return BARE_MANAGER_BINARY;
  const binary = binaryFromClassName(manager.name);
  if (binary === undefined) {
    throw new ConfigError(
      ErrorCodes.CONFIG_INVALID,
      `cannot name the service after its manager class ${JSON.stringify(manager.name)}: give the class a name (export default class InventoryManager extends Manager) or set binary (--binary NAME)`,
      { option: 'binary' },
    );
  }
  return binary;
}
