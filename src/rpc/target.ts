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

/** What makes a target unusable, or undefined when it is fine; `forServer` also requires a server name. */
export function targetProblem(target: Target, forServer = false): string | undefined {
  if (!target.topic) return 'a topic is required';
  if (WILDCARDS.test(target.topic) || (target.server && WILDCARDS.test(target.server))) return 'topic and server must not contain * or #';
  if (forServer && !target.server) return 'an RPC server needs both topic and server';
  return undefined;
}

/** Check a target for use by a client; `forServer` also requires a server name. */
export function validateTarget(target: Target, forServer = false): Target {
  const problem = targetProblem(target, forServer);
  if (problem !== undefined) throw new InvalidTarget(problem, target);
  return target;
}

/** A copy of `target` with the given fields replaced (undefined keeps the old value). */
export function withOverrides(target: Target, overrides: Partial<TargetFields>): Target {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  return Object.freeze(merged) as unknown as Target;
}
