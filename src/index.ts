/**
 * The public library API of oslo-node: re-exports only. The launcher CLI is dist/launcher.js;
 * these are for code that writes managers and apps, or builds its own process around the parts.
 */
export * from './errors.js';
export { loadConfig, configFromJson, loggableConfig, renderHelp, OPTIONS, type Config, type OptionName, type LoadedConfig } from './config/index.js';
export { createLogger, flushLogs, silentLogger, type Logger } from './logging/logger.js';
export * from './rpc/index.js';
export * from './notify/index.js';
export { EmbeddedRouter, EmbeddedTransport, connectEmbeddedSocket, defaultEmbeddedSocketPath } from './rpc/transports/embedded/index.js';
export { Manager, type ManagerClass, type ManagerContext, type ServiceRecord } from './service/manager.js';
export { Service, type ServiceCreateOptions, type ServiceStatus } from './service/service.js';
export { waitUntilReady } from './service/wait-until-ready.js';
export { SERVICEGROUP_TOPIC, MessagingDriver } from './servicegroup/messaging-driver.js';
export { DbDriver } from './servicegroup/db-driver.js';
export { HostReporter, type WorkerRecord } from './servicegroup/host-reporter.js';
export type { ServiceGroupDriver } from './servicegroup/driver.js';
export type { ServiceGroupMember } from './servicegroup/member.js';
export { ServiceGroupUnavailableError, ServiceNotFoundError } from './servicegroup/errors.js';
export { Membership } from './servicegroup/membership.js';
export type { HeartbeatReport, ServiceState } from './servicegroup/report.js';
export { HttpService, type HttpServiceOptions, type HttpServiceStats } from './http/http-service.js';
export { loadApp, type AppContext, type AppFactory } from './http/app-loader.js';
export { loadTlsOptions } from './http/tls.js';
export { periodicTask, registerPeriodicTask, collectPeriodicTasks, type PeriodicTaskArgs, type PeriodicTaskOptions } from './periodic/periodic-task.js';
export { PeriodicScheduler, type PeriodicTaskStats } from './periodic/scheduler.js';
export { TaskPool } from './periodic/pool.js';
export { VERSION } from './version.js';
