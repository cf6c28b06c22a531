/**
 * /metrics across the launcher: a worker asks the primary, which gathers every worker's
 * prom-client registry with prom-client's own cluster aggregator and answers the merged text.
 */
import promClient from 'prom-client';
import type { SupervisorPlugin } from './supervisor.js';

export function createMetricsPlugin(): SupervisorPlugin {
  const aggregator = new promClient.AggregatorRegistry();
  return {
    onWorker(handle) {
      handle.channel.handle('metrics', async () => (await aggregator.clusterMetrics()) as string);
    },
  };
}
