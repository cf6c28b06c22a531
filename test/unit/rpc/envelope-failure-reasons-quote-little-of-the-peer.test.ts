// Issue 27, finding 9: a failure reason quotes at most a short piece of what the peer sent, so a
// log line about a malformed message stays short whatever its size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEnvelope } from '../../../src/rpc/envelope.js';
import { parseNotification } from '../../../src/notify/message.js';

const HUGE = 1 << 20;

test('envelope and notification failure reasons stay short for megabyte values', () => {
  const reasons = [
    decodeEnvelope(JSON.stringify({ 'oslo.version': 'v'.repeat(HUGE), 'oslo.message': '{}' })),
    decodeEnvelope(`{"oslo.version": "2.0", "oslo.message": "${'z'.repeat(HUGE)}`),
    decodeEnvelope('w'.repeat(HUGE)),
    decodeEnvelope(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': `{"priority": "${'q'.repeat(HUGE)}` })),
  ].map((result) => (result.ok ? 'decoded' : result.reason));
  const priority = parseNotification({ priority: { deep: 'p'.repeat(HUGE) } });
  reasons.push(priority.ok ? 'parsed' : priority.reason);
  for (const reason of reasons) assert.ok(reason.length < 200, `${reason.length} characters: ${reason.slice(0, 120)}`);
  assert.match(reasons[0]!, /^unsupported envelope version v{64}… \(1048576 characters\)$/);
  assert.match(reasons[4]!, /^unknown priority \{"deep":"p{55}… \(1048587 characters\)$/);
});
