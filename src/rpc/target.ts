/**
 * oslo.messaging's Target: where a message goes (client side) or what a server listens on.
 * A small immutable value; `prepare()` on the client derives new ones with overrides.
 */
import { InvalidTarget } from './errors.js';

export interface TargetFields {
  /** AMQP topic exchange; defaults to the `control_exchange` option ("openstack"). */
  readonly exchange?: string;
  readonly topic: string;
  /** A specific server on the topic (routing key `topic.server`). */
  readonly server?: string;
  /** Casts to every server on the topic. */
  readonly fanout?: boolean;
  readonly namespace?: string;
  /** "major.minor[.revision]"; clients send it, endpoints declare what they support. */
  readonly version?: string;
}

export type Target = Readonly<TargetFields>;

/** Characters that act as wildcards in an AMQP topic binding. */
const WILDCARDS = /[*#]/;

/** Check a target for use by a client; `forServer` also requires a server name. */
export function validateTarget(target: Target, forServer = false): Target {
  if (!target.topic) throw new InvalidTarget('a topic is required', target);
  if (WILDCARDS.test(target.topic) || (target.server && WILDCARDS.test(target.server))) {
    throw new InvalidTarget('topic and server must not contain * or #', target);
  }
  if (forServer && !target.server) throw new InvalidTarget('an RPC server needs both topic and server', target);
  return target;
}

/** A copy of `target` with the given fields replaced (undefined keeps the old value). */
export function withOverrides(target: Target, overrides: Partial<TargetFields>): Target {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  return Object.freeze(merged) as unknown as Target;
}
