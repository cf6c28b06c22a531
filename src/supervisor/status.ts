/**
 * `ctl.js status`: what the launcher knows of itself and of each worker process, plus each
 * serving worker's own HTTP counters, asked over IPC (a worker that does not answer in time
 * shows zeros rather than holding the command up).
 */
import type { Config } from '../config/options.js';
import type { LauncherStatus, WorkerStatus } from '../control/control-protocol.js';
import type { ResourceSampler } from './resource-sampler.js';
import type { WorkerHandle } from './worker-handle.js';

const STATS_TIMEOUT_MS = 1000;

export interface StatusSources {
  readonly config: Config;
  /** `workers` as the configuration says (config.workers is the count in force: ctl.js scale's). */
  readonly configuredWorkers: number;
  /** The service's binary, null until known. */
  readonly binary: string | null;
  readonly state: string;
  readonly port: number;
  readonly uptimeMs: number;
  /** Every live worker process, the spare included. */
  readonly handles: readonly WorkerHandle[];
  readonly sampler: ResourceSampler;
}

interface HttpCounters {
  requests: number;
  inFlight: number;
}

async function countersOf(handle: WorkerHandle): Promise<HttpCounters> {
  // A spare or a starting worker has served nothing and may not answer yet.
  if (handle.slot === 0 || (handle.state !== 'ready' && handle.state !== 'stopping')) return { requests: 0, inFlight: 0 };
  return handle.channel.request<HttpCounters>({ type: 'stats' }, STATS_TIMEOUT_MS).catch(() => ({ requests: 0, inFlight: 0 }));
}

function stateOf(handle: WorkerHandle): WorkerStatus['state'] {
  if (handle.slot === 0) return 'spare';
  if (handle.state === 'stopping' || handle.state === 'dead') return 'draining';
  return handle.state;
}

/** Build the status document (`ctl.js status --json`). */
export async function launcherStatus(sources: StatusSources): Promise<LauncherStatus> {
  const { config, sampler } = sources;
  const handles = [...sources.handles].sort((a, b) => (a.slot || Infinity) - (b.slot || Infinity) || a.pid - b.pid);
  const counters = await Promise.all(handles.map(countersOf));
  const now = Date.now();
  return {
    launcher: {
      pid: process.pid,
      uptimeSeconds: Math.floor(sources.uptimeMs / 1000),
      state: sources.state,
      port: sources.port,
      transport: config.transport_url ? 'rabbit' : 'embedded',
      workers: config.workers,
      maxMemoryRestartMiB: config.max_memory_restart,
      binary: sources.binary,
      configuredWorkers: sources.configuredWorkers,
    },
    workers: handles.map((handle, i) => ({
      slot: handle.slot,
      pid: handle.pid,
      state: stateOf(handle),
      uptimeSeconds: Math.floor((now - handle.startedAt.getTime()) / 1000),
      restarts: handle.restarts,
      cpuPercent: sampler.cpuPercent(handle.pid),
      rssBytes: sampler.rssBytes(handle.pid),
      requests: counters[i]!.requests,
      inFlight: counters[i]!.inFlight,
    })),
  };
}
