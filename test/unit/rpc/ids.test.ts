import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hex32, requestId } from '../../../src/rpc/ids.js';

test('hex32 gives uuid4s in .hex form, all different, across refills of its random pool', () => {
  const seen = new Set<string>();
  // 3,000 ids span several 512-id draws of random bytes.
  for (let i = 0; i < 3000; i++) {
    const id = hex32();
    assert.match(id, /^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/, id);
    seen.add(id);
  }
  assert.equal(seen.size, 3000);
});

test('hex32 ids are not sequential: consecutive ids share no long prefix', () => {
  const a = hex32();
  const b = hex32();
  assert.notEqual(a.slice(0, 8), b.slice(0, 8));
});

test('requestId is oslo.context form req-<uuid4>', () => {
  assert.match(requestId(), /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
