/**
 * Made request ids are `req-<uuid>` strings, unique within a process: the last 12 hex digits
 * count requests (the last two from a table, the rest rendered once per 256 ids).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRequestId } from '../../../src/http/request-id.js';

const UUID4_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('made ids are uuid4-shaped, unique, and count up across the 256-id table boundary', () => {
  const ids = Array.from({ length: 1000 }, () => makeRequestId());
  for (const id of ids) assert.match(id, UUID4_ID);
  assert.equal(new Set(ids).size, ids.length);
  const prefix = (ids[0] as string).slice(0, -12);
  const counts = ids.map((id) => {
    assert.equal(id.slice(0, -12), prefix, 'one process prefix');
    return Number.parseInt(id.slice(-12), 16);
  });
  for (let i = 1; i < counts.length; i++) assert.equal(counts[i], (counts[i - 1] as number) + 1, `id ${i}`);
});
