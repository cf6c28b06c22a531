/**
 * The launcher's side of the service group: one reporter for this host/binary (its workers'
 * liveness folded in, see servicegroup/host-reporter.ts) on the launcher's own connection (the
 * embedded router in-process, or one AMQP connection) or database pool, answering its workers'
 * questions over IPC. A worker that exits stops counting at once.
 */
import { ms } from '../../config/durations.js';
import type { Config } from '../../config/options.js';
import type { Logger } from '../../logging/logger.js';
import { EmbeddedTransport, inProcessLink, type EmbeddedRouter } from '../../rpc/transports/embedded/index.js';
import { createDriver, type DriverTransport } from '../../servicegroup/create-driver.js';
import { ServiceNotFoundError } from '../../servicegroup/errors.js';
import { HostReporter } from '../../servicegroup/host-reporter.js';
import type { DisableOutcome } from '../../servicegroup/launcher-client.js';
import { InvalidReport, parseDisable } from '../../servicegroup/report.js';
import type { SupervisorPlugin } from '../supervisor.js';

export async function createServiceGroupPlugin(
  config: Config,
  logger: Logger,
  router: EmbeddedRouter | undefined,
): Promise<SupervisorPlugin> {
  const transport = async (): Promise<DriverTransport> => {
    if (router) return { transport: new EmbeddedTransport(inProcessLink(router, 'launcher-servicegroup'), { logger }), owned: true };
    const { AmqpTransport } = await import('../../rpc/transports/amqp/index.js');
    // One round per try: the driver retries in the background, the launcher does not wait.
    return { transport: new AmqpTransport({ url: config.transport_url!, config, logger, retryStart: false }), owned: true };
  };
  const driver = await createDriver(config, logger, transport);
  await driver.start();
  const reporter = new HostReporter({
    driver,
    logger,
    reportIntervalMs: ms(config, 'report_interval'),
    serviceDownTimeMs: ms(config, 'service_down_time'),
  });
  reporter.start();

  const setDisabled = async (raw: unknown): Promise<DisableOutcome> => {
    const request = parseDisable(raw);
    if (request instanceof InvalidReport) return { ok: false, code: 'not-found', message: `invalid ${request.field}` };
    try {
      await reporter.setDisabled(request);
      logger.info(
        { host: request.host, binary: request.binary, disabled: request.disabled, reason: request.reason },
        request.disabled ? 'service disabled' : 'service enabled',
      );
      return { ok: true };
    } catch (error) {
      return error instanceof ServiceNotFoundError
        ? { ok: false, code: 'not-found', message: error.message }
        : { ok: false, code: 'unavailable', message: (error as Error).message };
    }
  };

  return {
    onWorker(handle) {
      handle.channel
        .handle('servicegroup-alive', (message) => reporter.workerAlive(handle.pid, message.record))
        .handle('servicegroup-leave', () => reporter.workerLeft(handle.pid))
        .handle('servicegroup-services', () => reporter.services())
        .handle('servicegroup-set-disabled', (message) => setDisabled(message.request));
    },
    onWorkerExit(handle) {
      reporter.workerLeft(handle.pid);
    },
    async stop() {
      await reporter.stop({ leave: true });
      await driver.stop();
    },
  };
}
