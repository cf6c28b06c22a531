/**
 * Comparing a presented secret with the configured one without telling the caller anything but
 * yes or no. Comparing the bytes themselves needs equal lengths, and an early return on a length
 * mismatch tells an attacker the secret's length (issue 14, item 8). Both sides are hashed
 * first, so the constant-time compare always runs on two 32-byte digests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A check of presented values against `expected`; its digest is computed once. */
export function createTokenCheck(expected: string): (given: string) => boolean {
  const wanted = digest(expected);
  return (given) => timingSafeEqual(digest(given), wanted);
}
