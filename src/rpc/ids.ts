/** Identifiers on the wire: oslo uses uuid4 in `.hex` form (32 lowercase hex digits). */
import { randomUUID } from 'node:crypto';

/** A fresh uuid4 as 32 hex digits, no dashes (`_msg_id`, `_unique_id`, queue suffixes). */
export function hex32(): string {
  return randomUUID().replaceAll('-', '');
}

/** A fresh oslo.context request id, `req-<uuid4>`. */
export function requestId(): string {
  return `req-${randomUUID()}`;
}
