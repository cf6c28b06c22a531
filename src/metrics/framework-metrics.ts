/**
 * The framework's Prometheus metrics for one worker, on prom-client's default registry (the
 * registry the launcher merges over workers, and where an app such as the demo adds its own):
 * HTTP requests (count and duration by status class, in flight), RPC calls served and made
 * (count and duration, errors by class), pool tasks and queue, periodic runs. Created only when
 * `metrics_enabled` is on; prom-client is loaded then.
 */
import type promClient from 'prom-client';
import type { PeriodicTaskStats } from '../periodic/scheduler.js';
import type { TaskPoolStats } from '../periodic/pool.js';
import { outcomeOf, statusClass, type HttpObserver, type RpcObserver } from './observers.js';

/** What the worker reads at scrape time. */
export interface MetricSources {
  httpInFlight(): number;
  pool(): TaskPoolStats;
  periodic(): PeriodicTaskStats[];
}

const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface FrameworkMetrics {
  readonly http: HttpObserver;
  readonly rpc: RpcObserver;
}

/** Register the framework's metrics once per process. */
export async function createFrameworkMetrics(sources: MetricSources): Promise<FrameworkMetrics> {
  const prom = (await import('prom-client')).default;
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new prom.Counter<L>({ name, help, labelNames });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new prom.Histogram<L>({ name, help, labelNames, buckets: SECONDS_BUCKETS });
  const gauge = (name: string, help: string, labelNames: readonly string[], collect: (this: promClient.Gauge) => void) =>
    new prom.Gauge({ name, help, labelNames, collect });

  const httpRequests = counter('oslo_node_http_server_requests_total', 'HTTP requests answered, by method and status class.', [
    'method',
    'status_class',
  ]);
  const httpSeconds = histogram('oslo_node_http_server_request_duration_seconds', 'HTTP request durations, by status class.', [
    'status_class',
  ]);
  gauge('oslo_node_http_server_requests_in_flight', 'HTTP requests whose response has not closed.', [], function () {
    this.set(sources.httpInFlight());
  });
  const served = counter('oslo_node_rpc_server_requests_total', 'RPC requests dispatched, by kind and outcome (ok or error class).', [
    'kind',
    'outcome',
  ]);
  const servedSeconds = histogram('oslo_node_rpc_server_request_duration_seconds', 'RPC dispatch durations, by kind.', ['kind']);
  const made = counter('oslo_node_rpc_client_requests_total', 'RPC calls and casts made, by kind and outcome (ok or error class).', [
    'kind',
    'outcome',
  ]);
  const madeSeconds = histogram('oslo_node_rpc_client_request_duration_seconds', 'RPC call and cast durations, by kind.', ['kind']);
  gauge('oslo_node_pool_tasks', 'Pool task runs by outcome (completed, failed, refused, timed_out, aborted).', ['outcome'], function () {
    const stats = sources.pool();
    this.set({ outcome: 'completed' }, stats.completed);
    this.set({ outcome: 'failed' }, stats.failed);
    this.set({ outcome: 'refused' }, stats.refused);
    this.set({ outcome: 'timed_out' }, stats.timedOut);
    this.set({ outcome: 'aborted' }, stats.aborted);
  });
  gauge('oslo_node_pool_queue', 'Pool runs waiting for or holding a thread.', [], function () {
    this.set(sources.pool().pending);
  });
  gauge('oslo_node_periodic_runs', 'Periodic task runs so far, by task and outcome.', ['task', 'outcome'], function () {
    this.reset();
    for (const task of sources.periodic()) {
      this.set({ task: task.name, outcome: 'ok' }, task.runs - task.failures);
      this.set({ task: task.name, outcome: 'failed' }, task.failures);
    }
  });

  return {
    http: {
      request(method, status, seconds) {
        const statusLabel = statusClass(status);
        // Methods outside the standard set are folded: a client must not mint label values.
        httpRequests.inc({ method: STANDARD_METHODS.has(method ?? '') ? method! : 'other', status_class: statusLabel });
        httpSeconds.observe({ status_class: statusLabel }, seconds);
      },
    },
    rpc: {
      served(kind, seconds, error) {
        served.inc({ kind, outcome: outcomeOf(error) });
        servedSeconds.observe({ kind }, seconds);
      },
      made(kind, seconds, error) {
        made.inc({ kind, outcome: outcomeOf(error) });
        madeSeconds.observe({ kind }, seconds);
      },
    },
  };
}

const STANDARD_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
