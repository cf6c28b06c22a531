/**
 * The [launcher] options: the primary's restart policy, the prefork spare, the memory limit and
 * the bounds on a worker's start, heartbeat and handoff. Part of the option table (options.ts),
 * in its order.
 */
import type { OptionSpec } from './option-types.js';

export const LAUNCHER_OPTIONS = {
  restart_backoff_initial: {
    group: 'launcher',
    type: 'float',
    min: 0,
    max: 3600,
    default: 0.1,
    help: 'Seconds before re-forking a worker after its first consecutive crash; doubles per crash.',
  },
  restart_backoff_max: {
    group: 'launcher',
    type: 'float',
    min: 0,
    max: 3600,
    default: 30,
    help: 'Longest wait between re-forks of a crashing worker, in seconds.',
  },
  restart_max_failures: {
    group: 'launcher',
    type: 'int',
    min: 1,
    max: 1_000_000,
    default: 5,
    help: 'Consecutive failed worker starts after which the launcher gives up and exits 1.',
  },
  restart_reset_after: {
    group: 'launcher',
    type: 'float',
    min: 0,
    max: 86_400,
    default: 1,
    help: "Seconds a ready worker must stay up for its death not to count as a failed start (pm2's min_uptime).",
  },
  prefork_spare: {
    group: 'launcher',
    type: 'bool',
    default: true,
    help: 'Keep one loaded idle worker so a dead or reloaded worker is replaced in milliseconds (one extra process).',
  },
  max_memory_restart: {
    group: 'launcher',
    type: 'int',
    min: 0,
    max: 1_048_576,
    default: 0,
    help: "MiB of RSS a worker may keep (sampled every second, 3 samples in a row) before it is replaced, new one first (pm2's name; 0 = off).",
  },
  worker_start_timeout: {
    group: 'launcher',
    type: 'float',
    min: 0.1,
    max: 3600,
    default: 30,
    help: 'Seconds a new worker has to report ready before it counts as a failed start.',
  },
  worker_heartbeat_timeout: {
    group: 'launcher',
    type: 'float',
    min: 0,
    max: 3600,
    default: 30,
    help: 'Seconds a serving worker may go without a heartbeat over IPC (a hung event loop, a stopped process) before it is replaced and, after the drain bound, killed (0 = off).',
  },
  handoff_ack_timeout: {
    group: 'launcher',
    type: 'float',
    min: 0.05,
    max: 600,
    default: 1,
    help: 'Seconds a worker may leave a handed-over connection unacknowledged before it gets no more until it answers.',
  },
  handoff_max_unacked: {
    group: 'launcher',
    type: 'int',
    min: 1,
    max: 65_536,
    default: 32,
    help: 'Connections handed to one worker and not yet acknowledged; beyond it new ones go to the other workers.',
  },
} as const satisfies Record<string, OptionSpec>;
