/** Builders shared by the scheduler unit tests. */
import { DEFAULT_SPACING, type PeriodicTaskFunction, type PeriodicTaskSpec, type RunOn } from '../../../src/periodic/periodic-task.js';
import { PeriodicScheduler, type PeriodicSchedulerOptions, type SchedulerConfig } from '../../../src/periodic/scheduler.js';
import type { FakeClock } from './fake-clock.js';

export interface TaskOverrides {
  spacing?: number;
  runImmediately?: boolean;
  enabled?: boolean;
  runOn?: RunOn;
  pool?: string;
  run?: PeriodicTaskFunction;
}

/** A spec whose run records the clock's elapsed seconds in `runs`. */
export function recordingTask(name: string, clock: FakeClock, overrides: TaskOverrides = {}): PeriodicTaskSpec & { runs: number[] } {
  const runs: number[] = [];
  return {
    name,
    methodName: name,
    spacing: overrides.spacing ?? DEFAULT_SPACING,
    runImmediately: overrides.runImmediately ?? false,
    enabled: overrides.enabled ?? true,
    runOn: overrides.runOn ?? 'every-worker',
    pool: overrides.pool,
    runs,
    run: (args) => {
      runs.push(clock.elapsed());
      return overrides.run?.(args);
    },
  };
}

export const baseConfig: SchedulerConfig = { periodic_enable: true, periodic_fuzzy_delay: 0, periodic_interval_max: 60 };

/** A scheduler on `clock` with no fuzz and no jitter unless the options say otherwise. */
export function makeScheduler(clock: FakeClock, options: Partial<PeriodicSchedulerOptions> = {}): PeriodicScheduler {
  return new PeriodicScheduler({ config: baseConfig, clock, random: () => 0, ...options });
}
