/**
 * The option table: one declaration per option, with oslo's name and default where oslo has one
 * (see README.md, "Options", which is generated from the same rows by `--help`). The rows live
 * by group in the files next to this one; their order here is the order of `--help` and of the
 * generated docs.
 */
import type { OptionSpec, OptionValue } from './option-types.js';
import { LAUNCHER_OPTIONS } from './launcher-options.js';
import { NOTIFICATION_OPTIONS } from './notification-options.js';
import { PERIODIC_OPTIONS } from './periodic-options.js';
import { PROCESS_OPTIONS } from './process-options.js';
import { RABBIT_OPTIONS } from './rabbit-options.js';
import { RABBIT_QUEUE_OPTIONS } from './rabbit-queue-options.js';
import { RPC_OPTIONS } from './rpc-options.js';
import { UPGRADE_LEVELS_OPTIONS } from './upgrade-levels-option.js';
import { WSGI_OPTIONS } from './wsgi-options.js';

export const OPTIONS = {
  // [DEFAULT]: process, logging, service identity, service group
  ...PROCESS_OPTIONS,
  // [DEFAULT]: RPC (oslo.messaging), metrics, the embedded socket
  ...RPC_OPTIONS,
  // [DEFAULT]: periodic tasks and their pool
  ...PERIODIC_OPTIONS,
  // [launcher]: restart policy, spare, worker bounds
  ...LAUNCHER_OPTIONS,
  // [wsgi]: the HTTP server on the shared socket; [ssl]
  ...WSGI_OPTIONS,
  // [oslo_messaging_rabbit]
  ...RABBIT_OPTIONS,
  // oslo.messaging 16.1's queue types (quorum, stream, queue manager)
  ...RABBIT_QUEUE_OPTIONS,
  // [oslo_messaging_notifications]
  ...NOTIFICATION_OPTIONS,
  // [upgrade_levels]: TOPIC = auto | VERSION
  ...UPGRADE_LEVELS_OPTIONS,
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** The validated, frozen configuration: one typed field per option. */
export type Config = { readonly [K in OptionName]: OptionValue<(typeof OPTIONS)[K]> };
