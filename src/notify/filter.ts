/**
 * oslo.messaging's NotificationFilter: an endpoint's `filterRule` lets through only notifications
 * whose publisher_id, event_type, and given context, metadata and payload keys match regular
 * expressions. As Python's `re.match`, a pattern is anchored at the start only; a missing key or
 * a non-string value is a mismatch.
 */
import type { RequestContext } from '../rpc/context.js';

export interface NotificationFilterRules {
  readonly publisherId?: string | RegExp;
  readonly eventType?: string | RegExp;
  readonly context?: Readonly<Record<string, string | RegExp>>;
  readonly metadata?: Readonly<Record<string, string | RegExp>>;
  readonly payload?: Readonly<Record<string, string | RegExp>>;
}

/** What a filter looks at. */
export interface FilterSubject {
  readonly ctxt: RequestContext;
  readonly publisherId: unknown;
  readonly eventType: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly payload: unknown;
}

/** A sticky copy: `exec` at index 0 only is Python's `re.match`. */
function compile(pattern: string | RegExp): RegExp {
  return typeof pattern === 'string'
    ? new RegExp(pattern, 'y')
    : new RegExp(pattern.source, pattern.flags.includes('y') ? pattern.flags : `${pattern.flags}y`);
}

function compileAll(rules: Readonly<Record<string, string | RegExp>> | undefined): Array<[string, RegExp]> {
  return Object.entries(rules ?? {}).map(([key, pattern]) => [key, compile(pattern)]);
}

function matches(value: unknown, regex: RegExp): boolean {
  if (typeof value !== 'string') return false;
  regex.lastIndex = 0;
  return regex.test(value);
}

function matchesAll(data: unknown, rules: ReadonlyArray<[string, RegExp]>): boolean {
  if (rules.length === 0) return true;
  if (typeof data !== 'object' || data === null) return false;
  return rules.every(([key, regex]) => Object.hasOwn(data, key) && matches((data as Record<string, unknown>)[key], regex));
}

export class NotificationFilter {
  readonly #publisherId: RegExp | undefined;
  readonly #eventType: RegExp | undefined;
  readonly #context: Array<[string, RegExp]>;
  readonly #metadata: Array<[string, RegExp]>;
  readonly #payload: Array<[string, RegExp]>;

  /** Throws SyntaxError for a pattern that is not a valid regular expression. */
  constructor(rules: NotificationFilterRules) {
    this.#publisherId = rules.publisherId === undefined ? undefined : compile(rules.publisherId);
    this.#eventType = rules.eventType === undefined ? undefined : compile(rules.eventType);
    this.#context = compileAll(rules.context);
    this.#metadata = compileAll(rules.metadata);
    this.#payload = compileAll(rules.payload);
  }

  match(subject: FilterSubject): boolean {
    if (this.#publisherId && !matches(subject.publisherId, this.#publisherId)) return false;
    if (this.#eventType && !matches(subject.eventType, this.#eventType)) return false;
    return (
      matchesAll(subject.ctxt, this.#context) && matchesAll(subject.metadata, this.#metadata) && matchesAll(subject.payload, this.#payload)
    );
  }
}
