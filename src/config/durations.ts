/**
 * Durations: options are in seconds, as oslo names and documents them; code waits in
 * milliseconds. This is the one place the one becomes the other.
 */
import type { Config } from './options.js';

/** The options whose value is a number of seconds. */
export type SecondsOption =
  | 'graceful_shutdown_timeout'
  | 'worker_start_timeout'
  | 'worker_heartbeat_timeout'
  | 'handoff_ack_timeout'
  | 'restart_backoff_initial'
  | 'restart_backoff_max'
  | 'restart_reset_after'
  | 'tcp_keepidle'
  | 'client_socket_timeout'
  | 'header_timeout'
  | 'request_timeout'
  | 'pool_task_timeout'
  | 'periodic_fuzzy_delay'
  | 'periodic_interval_max'
  | 'rpc_response_timeout'
  | 'report_interval'
  | 'service_down_time'
  | 'rabbit_retry_interval'
  | 'rabbit_retry_backoff'
  | 'rabbit_interval_max'
  | 'kombu_reconnect_delay'
  | 'kombu_reconnect_splay';

/** A number of seconds in milliseconds. A 0 stays 0: for a timeout that is "no bound" (src/lifecycle). */
export function secondsToMs(seconds: number): number {
  return seconds * 1000;
}

/** `config[name]` in milliseconds (secondsToMs of the option's value). */
export function ms<K extends SecondsOption>(config: Pick<Config, K>, name: K): number {
  return secondsToMs(config[name] as number);
}
