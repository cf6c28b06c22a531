/**
 * A worker's head start before it has a slot (issue 16, part 5): import the manager and app
 * modules, and amqplib when a broker is configured, so that a spare taking a dead worker's slot
 * only builds and starts its service. Errors are left for the real start, which reports them.
 */
import type { WorkerPreload } from '../ipc/messages.js';
import { importAppModule } from '../http/app-loader.js';
import { loadManager } from '../service/manager-loader.js';

export async function preloadModules(preload: WorkerPreload): Promise<void> {
  const config = preload.config as { manager?: string; app?: string; transport_url?: string };
  const manager = config.manager ?? preload.defaultManager;
  const app = config.app ?? preload.defaultApp;
  await Promise.allSettled([
    manager ? loadManager(manager) : undefined,
    // Imported only: an app factory runs with the worker's context, once it has a slot.
    app ? importAppModule(app) : undefined,
    config.transport_url ? import('../rpc/transports/amqp/index.js') : undefined,
  ]);
}
