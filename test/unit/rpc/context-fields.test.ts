/**
 * A context travels as `_context_<key>` fields (oslo's wire format). The field names of keys
 * seen before are remembered (context.ts), up to a bound: keys beyond it, a `__proto__` key and
 * fields that only look like context fields must come out exactly as they went in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contextName, packContext, unpackContext } from '../../../src/rpc/context.js';

test('a context packs into _context_ fields and unpacks to an equal context', () => {
  const ctx = { user: 'u1', project_id: 'p1', roles: ['member', 'reader'], is_admin: false, request_id: 'req-1', auth_token: null };
  const message: Record<string, unknown> = { method: 'm' };
  packContext(message, ctx);
  assert.deepEqual(Object.keys(message), [
    'method',
    '_context_user',
    '_context_project_id',
    '_context_roles',
    '_context_is_admin',
    '_context_request_id',
    '_context_auth_token',
  ]);
  assert.deepEqual(unpackContext(message), ctx);
  // The second time the names come from memory: the same fields.
  const again: Record<string, unknown> = {};
  packContext(again, ctx);
  assert.deepEqual(again, Object.fromEntries(Object.entries(message).filter(([field]) => field !== 'method')));
});

test('keys past the remembered bound still pack and unpack exactly', () => {
  for (let round = 0; round < 3; round++) {
    const ctx = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`key_${round}_${i}`, i]));
    const message: Record<string, unknown> = {};
    packContext(message, ctx);
    assert.equal(Object.keys(message).length, 1500);
    assert.equal(message[`_context_key_${round}_1499`], 1499);
    assert.deepEqual(unpackContext(message), ctx);
  }
});

test('a __proto__ key stays data both ways; other fields are not context', () => {
  const message = JSON.parse('{"_context___proto__": {"polluted": true}, "_context_": 1, "_contextx": 2, "method": "m"}') as Record<
    string,
    unknown
  >;
  const ctx = unpackContext(message);
  assert.equal(Object.getPrototypeOf(ctx), Object.prototype);
  assert.deepEqual(Object.keys(ctx), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(contextName('_context_'), undefined);
  assert.equal(contextName('_contextx'), undefined);
  assert.equal(contextName('method'), undefined);
  const repacked: Record<string, unknown> = {};
  packContext(repacked, ctx);
  assert.deepEqual(Object.keys(repacked), ['_context___proto__']);
  assert.deepEqual(repacked._context___proto__, { polluted: true });
});
