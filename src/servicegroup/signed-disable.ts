/**
 * What changes another host's entry in the messaging driver's table must prove it comes from
 * someone holding the admin token: a disable/enable (`set_disabled`) and a `leave` carry an
 * HMAC-SHA256 of their content and time. The key is derived from `admin_token` with HKDF (the
 * bearer token of the admin routes is not itself an HMAC key on the bus, and never travels).
 *
 * Replays (issue 27, 3): a captured disable replayed after an enable disabled the host again, for
 * good. Now the `at` of a disable/enable is the time of the change, and a receiver applies a
 * state only when it is newer than the one it holds for that host (membership.ts), so an old
 * state never wins over a newer one; a live cast must also be fresh (SIGNATURE_WINDOW_MS). A
 * host's reports carry its own last signed state (`disabledProof`), which is how a newcomer
 * learns it, at any age.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { DisableRequest } from './report.js';

/** How far a live cast's time may be from ours (either way: clocks differ a little). */
export const SIGNATURE_WINDOW_MS = 5000;

export interface SignedDisable {
  readonly request: DisableRequest;
  /** Epoch milliseconds of the change (signed). */
  readonly at: number;
  /** Hex HMAC-SHA256. */
  readonly sig: string;
}

/** A disable state's proof as a report carries it: the request is the report's own host. */
export interface DisabledProof {
  readonly disabled: boolean;
  readonly reason: string | null;
  readonly at: number;
  readonly sig: string;
}

const keys = new Map<string, Buffer>();

/** The HMAC key for the service group, derived from admin_token (cached per token). */
function keyFor(token: string): Buffer {
  let key = keys.get(token);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', token, 'oslo-node', 'servicegroup signatures v2', 32));
    keys.set(token, key);
  }
  return key;
}

function mac(token: string, body: readonly unknown[]): Buffer {
  return createHmac('sha256', keyFor(token)).update(JSON.stringify(body)).digest();
}

function disableBody(request: DisableRequest, at: number): unknown[] {
  return ['set_disabled', request.host, request.binary, request.disabled, request.reason, at];
}

export function signDisable(token: string, request: DisableRequest, at = Date.now()): SignedDisable {
  return { request, at, sig: mac(token, disableBody(request, at)).toString('hex') };
}

function checkMac(
  token: string | undefined,
  body: (at: number) => unknown[],
  at: unknown,
  sig: unknown,
  now: number | null,
): string | undefined {
  if (!token) return 'admin_token is not set here';
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at <= 0) return 'missing time';
  if (now !== null && Math.abs(now - at) > SIGNATURE_WINDOW_MS) return 'stale time';
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return 'missing signature';
  return timingSafeEqual(Buffer.from(sig, 'hex'), mac(token, body(at))) ? undefined : 'bad signature';
}

/**
 * Why a signed request is refused, or undefined when it is good. `now` null: no freshness check
 * (a state carried in a report, which may be old; newer-than-held decides).
 */
export function checkDisableSignature(
  token: string | undefined,
  request: DisableRequest,
  at: unknown,
  sig: unknown,
  now: number | null = Date.now(),
): string | undefined {
  return checkMac(token, (when) => disableBody(request, when), at, sig, now);
}

export interface SignedLeave {
  readonly host: string;
  readonly binary: string;
  readonly pid: number;
  readonly at: number;
  readonly sig: string;
}

function leaveBody(host: string, binary: string, pid: number, at: number): unknown[] {
  return ['leave', host, binary, pid, at];
}

export function signLeave(token: string, leave: { host: string; binary: string; pid: number }, at = Date.now()): SignedLeave {
  return { ...leave, at, sig: mac(token, leaveBody(leave.host, leave.binary, leave.pid, at)).toString('hex') };
}

/** Why a `leave` is refused (unsigned, badly signed, stale), or undefined. */
export function checkLeaveSignature(
  token: string | undefined,
  leave: { host: string; binary: string; pid: number },
  at: unknown,
  sig: unknown,
  now = Date.now(),
): string | undefined {
  return checkMac(token, (when) => leaveBody(leave.host, leave.binary, leave.pid, when), at, sig, now);
}
