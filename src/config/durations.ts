/**
 * Durations: options are in seconds, as oslo names and documents them; code waits in
 * milliseconds. This is the one place the one becomes the other.
 */
import { InvalidArgumentError } from '../errors.js';
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

/**
 * An option given under its unit-named key (`timeoutSeconds`) or under its older name without
 * the unit (`timeout`), which stays as a deprecated alias: the one that is set; both set to
 * different values is an InvalidArgumentError naming both (which one was meant is unknown).
 */
export function renamedOption<O extends object, K extends keyof O, A extends keyof O>(
  options: O,
  name: K,
  alias: A,
  where: string,
): O[K] | O[A] | undefined {
  const value = options[name];
  const old = options[alias];
  if (value !== undefined && old !== undefined && (value as unknown) !== (old as unknown)) {
    throw new InvalidArgumentError(
      `${where}: ${String(name)} (${String(value)}) and its deprecated name ${String(alias)} (${String(old)}) differ; set ${String(name)} only`,
    );
  }
  return value ?? old;
}
