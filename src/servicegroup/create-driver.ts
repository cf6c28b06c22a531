/** Build the driver `servicegroup_driver` names (the db driver and amqplib load only when used). */
import { ms } from '../config/durations.js';
import type { Config } from '../config/options.js';
import type { Logger } from '../logging/logger.js';
import type { Transport } from '../rpc/transports/transport.js';
import type { ServiceGroupDriver } from './driver.js';
import { effectiveDownTime } from './host-reporter.js';

export interface DriverTransport {
  transport: Transport;
  /** The driver starts and stops it (the launcher's own connection). */
  owned: boolean;
}

export async function createDriver(config: Config, logger: Logger, transport: () => Promise<DriverTransport>): Promise<ServiceGroupDriver> {
  const serviceDownTimeMs = effectiveDownTime(ms(config, 'report_interval'), ms(config, 'service_down_time'));
  // Each driver's module is imported when it is the one configured (issue 29).
  if (config.servicegroup_driver === 'db') {
    const { DbDriver } = await import('./db-driver.js');
    return new DbDriver({ connection: config.connection ?? '', logger, serviceDownTimeMs });
  }
  const { transport: bus, owned } = await transport();
  const { MessagingDriver } = await import('./messaging-driver.js');
  return new MessagingDriver({
    transport: bus,
    ownsTransport: owned,
    logger,
    serviceDownTimeMs,
    controlExchange: config.control_exchange,
    adminToken: config.admin_token,
    retryIntervalMs: Math.max(1000, ms(config, 'report_interval')),
  });
}
