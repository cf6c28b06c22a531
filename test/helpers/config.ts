/** The repository root and a Config with overrides, for tests that build parts directly. */
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config, type OptionName } from '../../src/config/index.js';

/** Repository root (dist/test/helpers → ../../..). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The default config with some options replaced. */
export function testConfig(overrides: Partial<Record<OptionName, unknown>> = {}): Config {
  const { config } = loadConfig([], {});
  return Object.freeze({ ...config, ...overrides }) as Config;
}
