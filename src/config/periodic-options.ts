/**
 * The options of periodic tasks ([DEFAULT]) and of the piscina pool they offload to, with the
 * demo's digest task ([periodic]). Part of the option table (options.ts), in its order.
 */
import type { OptionSpec } from './option-types.js';

export const PERIODIC_OPTIONS = {
  periodic_enable: {
    group: 'DEFAULT',
    type: 'bool',
    default: true,
    help: 'Run the manager periodic tasks at all.',
  },
  periodic_fuzzy_delay: {
    group: 'DEFAULT',
    type: 'int',
    min: 0,
    max: 86_400,
    default: 60,
    help: 'Random 0..N seconds before the first periodic run, so restarted fleets do not run in step.',
  },
  periodic_interval_max: {
    group: 'DEFAULT',
    type: 'int',
    min: 1,
    max: 86_400,
    default: 60,
    help: 'Longest the periodic scheduler sleeps between passes, in seconds.',
  },
  pool_threads: {
    group: 'periodic',
    type: 'int',
    min: 0,
    max: 256,
    default: 0,
    help: 'Threads of the per-worker piscina pool (0 = a share of the cores: max(1, cores / workers)).',
  },
  pool_max_queue: {
    group: 'periodic',
    type: 'int',
    min: 1,
    max: 1_000_000,
    default: 64,
    help: 'Pool tasks that may wait for a thread; more are refused instead of growing memory.',
  },
  pool_task_timeout: {
    group: 'periodic',
    type: 'float',
    min: 0,
    max: 86_400,
    default: 300,
    help: 'Seconds one pool task may run before it is aborted (0 = no limit).',
  },
  pool_directory: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: "Folder where a pool task named without a path (pool: 'checksum') is found as checksum.js, relative to the working directory (default: the package's pool-tasks/, the demo's).",
  },
  digest_spacing: {
    group: 'periodic',
    type: 'float',
    min: 0,
    max: 86_400,
    default: 60,
    help: "Spacing in seconds of the demo's digest periodic task (0 disables it).",
  },
  digest_mebibytes: {
    group: 'periodic',
    type: 'int',
    min: 1,
    max: 4096,
    default: 16,
    help: "MiB hashed by each run of the demo's digest periodic task.",
  },
} as const satisfies Record<string, OptionSpec>;
