/**
 * A disable/enable cast on the bus must prove it comes from someone holding the admin token:
 * it carries an HMAC-SHA256 of the request and its time, keyed by `admin_token` (the token itself
 * never travels). Receivers check it with their own token and refuse requests older than
 * SIGNATURE_WINDOW_MS, so a captured one cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DisableRequest } from './report.js';

export const SIGNATURE_WINDOW_MS = 60_000;

export interface SignedDisable {
  readonly request: DisableRequest;
  /** Epoch milliseconds when it was signed. */
  readonly at: number;
  /** Hex HMAC-SHA256. */
  readonly sig: string;
}

function digest(token: string, request: DisableRequest, at: number): Buffer {
  return createHmac('sha256', token).update(JSON.stringify([request.host, request.binary, request.disabled, request.reason, at])).digest();
}

export function signDisable(token: string, request: DisableRequest, now = Date.now()): SignedDisable {
  return { request, at: now, sig: digest(token, request, now).toString('hex') };
}

/** Why a signed request is refused, or undefined when it is good. */
export function checkDisableSignature(token: string | undefined, request: DisableRequest, at: unknown, sig: unknown, now = Date.now()): string | undefined {
  if (!token) return 'admin_token is not set here';
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || Math.abs(now - at) > SIGNATURE_WINDOW_MS) return 'stale or missing time';
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return 'missing signature';
  return timingSafeEqual(Buffer.from(sig, 'hex'), digest(token, request, at)) ? undefined : 'bad signature';
}
