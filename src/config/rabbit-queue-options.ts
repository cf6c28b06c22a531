/**
 * The [oslo_messaging_rabbit] options of oslo.messaging 16.1's queue types: transient quorum
 * queues, stream fanout, the quorum limits and the queue manager, with oslo's names and
 * defaults (docs/rabbitmq4.md). Part of the option table (options.ts).
 */
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { OptionSpec } from './option-types.js';

export const RABBIT_QUEUE_OPTIONS = {
  rabbit_transient_quorum_queue: {
    group: 'oslo_messaging_rabbit',
    type: 'bool',
    default: false,
    help: 'Reply and fanout queues become quorum queues (durable), and the fanout exchanges durable.',
  },
  rabbit_stream_fanout: {
    group: 'oslo_messaging_rabbit',
    type: 'bool',
    default: false,
    help: 'One stream queue <topic>_fanout per topic instead of a fanout queue per server (needs rabbit_transient_quorum_queue).',
  },
  rabbit_quorum_delivery_limit: {
    group: 'oslo_messaging_rabbit',
    type: 'int',
    min: 0,
    max: 2 ** 31 - 1,
    default: 0,
    help: 'x-delivery-limit of quorum queues (0 = not set).',
  },
  rabbit_quorum_max_memory_length: {
    group: 'oslo_messaging_rabbit',
    type: 'int',
    min: 0,
    max: 2 ** 31 - 1,
    default: 0,
    help: 'x-max-in-memory-length of quorum queues (0 = not set).',
  },
  rabbit_quorum_max_memory_bytes: {
    group: 'oslo_messaging_rabbit',
    type: 'int',
    min: 0,
    max: 2 ** 31 - 1,
    default: 0,
    help: 'x-max-in-memory-bytes of quorum queues (0 = not set).',
  },
  enable_cancel_on_failover: {
    group: 'oslo_messaging_rabbit',
    type: 'bool',
    default: false,
    help: 'Consume with x-cancel-on-ha-failover, so the broker cancels consumers of a queue that went down.',
  },
  direct_mandatory_flag: {
    group: 'oslo_messaging_rabbit',
    type: 'bool',
    default: true,
    help: 'Publish replies with the mandatory flag (a missing reply queue is noticed and retried).',
  },
  use_queue_manager: {
    group: 'oslo_messaging_rabbit',
    type: 'bool',
    default: false,
    help: 'Stable reply and fanout queue names <hostname>:<processname>:<n> that restarts reuse, instead of random ones.',
  },
  hostname: {
    group: 'oslo_messaging_rabbit',
    type: 'string',
    default: () => hostname(),
    help: "Host name in the queue manager's queue names.",
  },
  processname: {
    group: 'oslo_messaging_rabbit',
    type: 'string',
    default: () => basename(process.argv[1] ?? process.argv0),
    help: "Process name in the queue manager's queue names (default: the script's file name).",
  },
} as const satisfies Record<string, OptionSpec>;
