/**
 * Exceptions on the wire (docs/protocol/failures.md): the server turns a thrown value into
 * oslo's failure JSON string; the client turns that string back into an error.
 */
import { MessagingException, MessagingTimeout, NoSuchMethod, RemoteError, UnsupportedVersion } from './errors.js';

/** oslo's failure dict. */
export interface FailureInfo {
  readonly class: string;
  readonly module: string;
  readonly message: string;
  readonly tb: string[];
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

const DISPATCHER_MODULE = 'oslo_messaging.rpc.dispatcher';
const EXCEPTIONS_MODULE = 'oslo_messaging.exceptions';
/** Module named for our RPC errors that Python oslo has no class for. */
const OUR_MODULE = 'oslo_node.rpc.errors';
/** Our classes that Python oslo also has, and the module it defines them in. */
const OSLO_CLASSES: Readonly<Record<string, string>> = {
  NoSuchMethod: DISPATCHER_MODULE,
  UnsupportedVersion: DISPATCHER_MODULE,
  MessagingTimeout: EXCEPTIONS_MODULE,
  MessagingException: EXCEPTIONS_MODULE,
  InvalidTarget: EXCEPTIONS_MODULE,
  MessageDeliveryFailure: EXCEPTIONS_MODULE,
  RemoteError: EXCEPTIONS_MODULE,
};

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The failure fields of any thrown value; never throws, even for hostile getters. */
export function describeFailure(thrown: unknown): FailureInfo {
  if (!(thrown instanceof Error)) {
    const message = safely(() => String(thrown), 'unprintable value');
    return { class: 'Error', module: 'nodejs', message, tb: [`Error: ${message}\n`], args: [message], kwargs: {} };
  }
  const name = safely(() => (typeof thrown.name === 'string' && thrown.name ? thrown.name : 'Error'), 'Error');
  const message = safely(() => String(thrown.message), '');
  // Ours are exactly oslo's classes, so a Python caller sees what a Python server would send.
  const osloModule =
    thrown instanceof MessagingException ? (Object.hasOwn(OSLO_CLASSES, name) ? OSLO_CLASSES[name] : OUR_MODULE) : undefined;
  const ownModule = safely(() => (thrown as { module?: unknown }).module, undefined);
  const module = osloModule ?? (typeof ownModule === 'string' && ownModule ? ownModule : name === 'TypeError' ? 'builtins' : 'nodejs');
  const kwargs = safely(() => (thrown as { kwargs?: unknown }).kwargs, undefined);
  const stack = safely(() => (typeof thrown.stack === 'string' ? thrown.stack : ''), '');
  const frames = stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => `  ${line.trim()}\n`);
  const qualified = module === 'builtins' ? name : `${module}.${name}`;
  return {
    class: name,
    module,
    message,
    tb: ['Traceback (most recent call last):\n', ...frames, `${qualified}: ${message}\n`],
    args: [message],
    kwargs: isPlainRecord(kwargs) && module !== 'builtins' ? kwargs : {},
  };
}

/** oslo's `serialize_remote_exception`: the failure as a JSON string. */
export function serializeFailure(thrown: unknown): string {
  const info = describeFailure(thrown);
  try {
    return JSON.stringify(info);
  } catch {
    // kwargs held something JSON cannot encode (a cycle, a BigInt).
    return JSON.stringify({ ...info, kwargs: {} });
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((line) => (typeof line === 'string' ? line : String(line))) : [];
}

/** Rebuild oslo's own classes from their message text; undefined when the text does not match. */
function rebuildOslo(cls: string, module: string, message: string): Error | undefined {
  if (module === DISPATCHER_MODULE && cls === 'NoSuchMethod') {
    const match = /^Endpoint does not support RPC method (.*)$/s.exec(message);
    return match ? new NoSuchMethod(match[1]!) : undefined;
  }
  if (module === DISPATCHER_MODULE && cls === 'UnsupportedVersion') {
    const match = /^Endpoint does not support RPC version (.*?)(?:\. Attempted method: (.*))?$/s.exec(message);
    return match ? new UnsupportedVersion(match[1]!, match[2]) : undefined;
  }
  if (module === EXCEPTIONS_MODULE && cls === 'MessagingTimeout') return new MessagingTimeout(message);
  return undefined;
}

/**
 * oslo's `deserialize_remote_exception`: NoSuchMethod, UnsupportedVersion and MessagingTimeout
 * come back as our classes; everything else (Python or Node) is a RemoteError naming the remote
 * class, module, message and traceback. A malformed failure is a RemoteError too.
 */
export function deserializeFailure(data: string): Error {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return new RemoteError('Unknown', `malformed failure: ${data.slice(0, 200)}`);
  }
  if (!isPlainRecord(parsed)) return new RemoteError('Unknown', `malformed failure: ${data.slice(0, 200)}`);
  const cls = typeof parsed.class === 'string' ? parsed.class : 'Unknown';
  const rawModule = typeof parsed.module === 'string' ? parsed.module : '';
  const module = rawModule === 'exceptions' ? 'builtins' : rawModule;
  const message = typeof parsed.message === 'string' ? parsed.message : String(parsed.message ?? '');
  return rebuildOslo(cls, module, message) ?? new RemoteError(cls, message, stringList(parsed.tb), module);
}
