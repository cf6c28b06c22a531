/**
 * `[upgrade_levels]` for a client outside any service (`oslo-node-rpc call`): the cap of one
 * topic, decided once from the service group as it is now. The version history is the
 * `--manager` module's (the class statics serviceVersion and versionHistory; without
 * `--manager`, the demo manager's); the table is the db driver's (`[database] connection`) or,
 * on the messaging driver, a launcher's, asked with a `services` call on the `servicegroup` topic.
 */
import { fileURLToPath } from 'node:url';
import { ms } from '../config/durations.js';
import type { Config } from '../config/options.js';
import type { Logger } from '../logging/logger.js';
import { loadManager } from '../service/manager-loader.js';
import { DbDriver } from '../servicegroup/db-driver.js';
import { effectiveDownTime } from '../servicegroup/host-reporter.js';
import type { ServiceState } from '../servicegroup/report.js';
import { RpcClient } from './client.js';
import type { Transport } from './transports/transport.js';
import { UpgradeLevelCap } from './upgrade-levels.js';

/** The launcher's default manager (dist/demo/manager.js). */
const DEMO_MANAGER = fileURLToPath(new URL('../demo/manager.js', import.meta.url));

/** The cap `[upgrade_levels] topic` gives now; undefined when the topic has none. */
export async function lookUpVersionCap(config: Config, topic: string, transport: Transport, logger: Logger): Promise<string | undefined> {
  const level = config.upgrade_levels?.[topic];
  if (level === undefined) return undefined;
  const managerClass = level === 'auto' ? await loadManager(config.manager ?? DEMO_MANAGER) : undefined;
  const cap = new UpgradeLevelCap({
    topic,
    level,
    history: managerClass ? (managerClass.versionHistory ?? { [managerClass.serviceVersion]: '1.0' }) : undefined,
    services: () => readServices(config, transport, logger),
    logger,
    refreshIntervalMs: 0,
  });
  await cap.refresh();
  return cap.versionCap;
}

async function readServices(config: Config, transport: Transport, logger: Logger): Promise<ServiceState[]> {
  if (config.servicegroup_driver === 'db') {
    const serviceDownTimeMs = effectiveDownTime(ms(config, 'report_interval'), ms(config, 'service_down_time'));
    const driver = new DbDriver({ connection: config.connection ?? '', logger, serviceDownTimeMs });
    await driver.start();
    try {
      return await driver.services();
    } finally {
      await driver.stop();
    }
  }
  const client = new RpcClient(
    transport,
    { topic: 'servicegroup' },
    { timeoutSeconds: config.rpc_response_timeout, controlExchange: config.control_exchange, logger },
  );
  return client.call<ServiceState[]>({}, 'services');
}
