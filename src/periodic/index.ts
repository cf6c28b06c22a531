/** Periodic tasks, looping calls and the piscina pool: re-exports only. */
export { systemClock, sleep, type Clock } from './clock.js';
export { PeriodicTaskError, LoopingCallError, PoolError } from './errors.js';
export {
  periodicTask,
  registerPeriodicTask,
  collectPeriodicTasks,
  DEFAULT_SPACING,
  type PeriodicTaskOptions,
  type PeriodicTaskArgs,
  type PeriodicTaskFunction,
  type PeriodicTaskSpec,
  type RunOn,
} from './periodic-task.js';
export {
  PeriodicScheduler,
  type PeriodicSchedulerOptions,
  type PeriodicTaskStats,
  type PoolRunner,
  type SchedulerConfig,
} from './scheduler.js';
export { LoopingCall, loopDone, isLoopDone, type LoopDone, type LoopingCallOptions, type LoopingCallOutcome } from './looping-call.js';
export { FixedIntervalLoopingCall, type FixedIntervalFunction, type FixedIntervalOptions } from './fixed-interval-looping-call.js';
export { DynamicLoopingCall, type DynamicFunction, type DynamicOptions } from './dynamic-looping-call.js';
export { BackOffLoopingCall, type BackOffFunction, type BackOffOptions } from './backoff-looping-call.js';
export {
  TaskPool,
  resolvePoolThreads,
  type TaskPoolOptions,
  type PoolConfig,
  type PoolRunOptions,
  type TaskPoolStats,
  type TaskPoolState,
} from './pool.js';
export { OneWorkerAssigner, type Owners } from './assignment.js';
export { lowerThreadPriority } from './thread-priority.js';
