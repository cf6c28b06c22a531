/**
 * The demo's Prometheus metrics (prom-client). Each worker keeps its own registry; /metrics asks
 * the primary, which merges every worker's through prom-client's cluster aggregator.
 */
import promClient from 'prom-client';
import type { PeriodicTaskStats } from '../periodic/scheduler.js';
import type { WorkerInfo } from '../ipc/messages.js';

export interface DemoMetrics {
  httpRequests: promClient.Counter<'method' | 'route' | 'status'>;
  rpcCalls: promClient.Counter<'method' | 'outcome'>;
  rpcSeconds: promClient.Histogram<'method'>;
}

let created: DemoMetrics | undefined;

/** Register the metrics once per process; `tasks` and `workers` are read at scrape time. */
export function demoMetrics(tasks: () => PeriodicTaskStats[], workers: () => Promise<WorkerInfo[]>): DemoMetrics {
  if (created) return created;
  promClient.collectDefaultMetrics({ prefix: 'oslo_node_' });
  new promClient.Gauge({
    name: 'oslo_node_periodic_task_runs',
    help: 'Runs of each periodic task, summed over workers.',
    labelNames: ['task', 'outcome'],
    collect() {
      this.reset();
      for (const task of tasks()) {
        this.set({ task: task.name, outcome: 'ok' }, task.runs - task.failures);
        this.set({ task: task.name, outcome: 'failed' }, task.failures);
      }
    },
  });
  new promClient.Gauge({
    name: 'oslo_node_worker_restarts',
    help: 'Restarts of each worker slot of the launcher.',
    labelNames: ['slot'],
    aggregator: 'max',
    async collect() {
      this.reset();
      for (const worker of await workers()) this.set({ slot: String(worker.slot) }, worker.restarts);
    },
  });
  created = {
    httpRequests: new promClient.Counter({
      name: 'oslo_node_http_requests_total',
      help: 'HTTP requests answered by the demo app.',
      labelNames: ['method', 'route', 'status'],
    }),
    rpcCalls: new promClient.Counter({
      name: 'oslo_node_rpc_calls_total',
      help: 'RPC calls made by the demo app.',
      labelNames: ['method', 'outcome'],
    }),
    rpcSeconds: new promClient.Histogram({
      name: 'oslo_node_rpc_call_seconds',
      help: 'Latency of RPC calls made by the demo app.',
      labelNames: ['method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    }),
  };
  return created;
}
