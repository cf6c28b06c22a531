/**
 * /metrics across the launcher: the worker that got the request asks the primary, which
 * collects every serving worker's prom-client registry as JSON over IPC and merges them with
 * prom-client's own aggregation (counters summed, gauges per their `aggregator`).
 */
import promClient from 'prom-client';
import type { SupervisorPlugin } from './supervisor.js';
import type { WorkerHandle } from './worker-handle.js';

const COLLECT_TIMEOUT_MS = 5000;

export function createMetricsPlugin(): SupervisorPlugin {
  const handles = new Set<WorkerHandle>();
  const collect = async (): Promise<string> => {
    const serving = [...handles].filter((handle) => handle.state === 'ready');
    const results = await Promise.allSettled(
      serving.map((handle) => handle.channel.request<promClient.MetricObjectWithValues<promClient.MetricValue<string>>[]>({ type: 'metrics-json' }, COLLECT_TIMEOUT_MS)),
    );
    const registries = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    return promClient.AggregatorRegistry.aggregate(registries).metrics();
  };
  return {
    onWorker(handle) {
      handles.add(handle);
      handle.channel.handle('metrics', collect);
    },
    onWorkerExit(handle) {
      handles.delete(handle);
    },
  };
}
