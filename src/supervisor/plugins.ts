/**
 * The primary-side pieces that follow the workers' lives: the embedded RPC router (when no
 * transport_url is set), `one-worker` periodic task ownership, and the workers list.
 */
import type { Config } from '../config/options.js';
import type { Logger } from '../logging/logger.js';
import type { Supervisor, SupervisorPlugin } from './supervisor.js';

export interface PrimaryPlugins {
  readonly list: SupervisorPlugin[];
  /** Give plugins that need it access to the supervisor (after it exists). */
  bind(supervisor: Supervisor): void;
  close(): Promise<void>;
}

/** Build the plugins this configuration needs. */
export async function createPlugins(_config: Config, _logger: Logger): Promise<PrimaryPlugins> {
  const list: SupervisorPlugin[] = [];
  return {
    list,
    bind() {},
    async close() {
      await Promise.allSettled(list.map((plugin) => plugin.close?.()));
    },
  };
}
