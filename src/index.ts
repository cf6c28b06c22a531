/**
 * The public library API of oslo-node: re-exports only. `launch()` starts the launcher from code
 * (the CLI, dist/launcher.js, is a thin user of it); the rest is for code that writes managers and
 * apps, or builds its own process around the parts.
 */
export * from './errors.js';
export {
  loadConfig,
  configFromJson,
  loggableConfig,
  renderHelp,
  OPTIONS,
  type Config,
  type OptionName,
  type LoadedConfig,
} from './config/index.js';
export { createLogger, flushLogs, silentLogger, type Logger } from './logging/logger.js';
export * from './rpc/index.js';
export * from './notify/index.js';
// oslo.messaging's get_rpc_transport / get_notification_transport (amqplib is loaded only for a broker URL).
export { getRpcTransport, getNotificationTransport, type GetTransportOptions } from './rpc/transports/get-transport.js';
export {
  transportConfig,
  type TransportConfigOptions,
  type TransportConfigValues,
  type TransportOptionValue,
} from './rpc/transports/transport-config.js';
export {
  EmbeddedRouter,
  EmbeddedTransport,
  EmbeddedTransportError,
  connectEmbeddedSocket,
  defaultEmbeddedSocketPath,
} from './rpc/transports/embedded/index.js';
// The AMQP transport's errors only: the transport itself loads amqplib (import it from 'oslo-node/amqp').
export { BrokerConnectError, BrokerDeclareError, BrokerTlsError, BrokerUnavailable } from './rpc/transports/amqp/errors.js';
export { WorkerExitedError, IpcRemoteError } from './ipc/channel.js';
export { LauncherUnreachable, LauncherAmbiguous, ControlProtocolError } from './control/control-client.js';
export { Manager, type ManagerClass, type ManagerContext, type ServiceRecord } from './service/manager.js';
export { Service, type ServiceCreateOptions } from './service/service.js';
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
export {
  periodicTask,
  registerPeriodicTask,
  collectPeriodicTasks,
  type PeriodicTaskArgs,
  type PeriodicTaskOptions,
} from './periodic/periodic-task.js';
export { PeriodicScheduler, type PeriodicTaskStats } from './periodic/scheduler.js';
export { TaskPool } from './periodic/pool.js';
export { PeriodicTaskError, LoopingCallError, PoolError } from './periodic/errors.js';
export { launch, type LaunchOptions, type LauncherHandle } from './launch/launch.js';
export type { Lifecycle, LifecycleState, StopOptions } from './lifecycle/lifecycle.js';
export type { WorkerInfo, WorkerState } from './ipc/messages.js';
export type { LauncherView } from './http/app-loader.js';
export { VERSION } from './version.js';
