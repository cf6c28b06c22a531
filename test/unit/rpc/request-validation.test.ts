import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequest } from '../../../src/rpc/request.js';
import { setOwn } from '../../../src/rpc/context.js';

const call = { method: 'echo', args: {}, _msg_id: 'm'.repeat(32), _reply_q: 'reply_x', _unique_id: 'u' };

test('a missing version means 1.0, an explicit null stays null, missing args mean {}', () => {
  const missing = parseRequest({ method: 'echo' });
  assert.ok(missing.ok);
  assert.deepEqual(
    [missing.request.version, missing.request.args, missing.request.namespace, missing.request.replyTo],
    ['1.0', {}, null, undefined],
  );
  const explicit = parseRequest({ method: 'echo', version: null });
  assert.ok(explicit.ok && explicit.request.version === null);
});

test('heartbeat interval is int(_timeout) / 2 seconds, none below 1 s or for non-integer strings', () => {
  const interval = (timeout: unknown) => {
    const parsed = parseRequest({ ...call, _timeout: timeout });
    assert.ok(parsed.ok, String(timeout));
    return parsed.request.heartbeatSeconds;
  };
  const table: [unknown, number | undefined][] = [
    [null, undefined],
    [1, undefined],
    [1.9, undefined],
    [2, 1],
    [2.9, 1],
    [3, 1.5],
    [60, 30],
    ['4', 2],
    ['2.9', undefined],
    ['abc', undefined],
    [true, undefined],
    [-4, undefined],
  ];
  for (const [timeout, expected] of table) assert.equal(interval(timeout), expected, String(timeout));
  const cast = parseRequest({ method: 'echo', _timeout: 10 });
  assert.ok(cast.ok && cast.request.heartbeatSeconds === undefined);
});

test('context fields are unpacked without the prefix; __proto__ cannot change the prototype', () => {
  const parsed = parseRequest({ ...call, _context_user_id: 'u1', _context___proto__: { polluted: true } });
  assert.ok(parsed.ok);
  const ctx = parsed.request.ctx;
  assert.equal(ctx.user_id, 'u1');
  assert.equal(Object.getPrototypeOf(ctx), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(ctx, '__proto__')?.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('wrong types and unknown fields are refused, with the reply address when it is usable', () => {
  const bad: Record<string, unknown>[] = [
    { ...call, method: 5 },
    { ...call, method: '' },
    { ...call, args: [] },
    { ...call, args: null },
    { ...call, namespace: 3 },
    { ...call, version: 1.3 },
    { ...call, _unique_id: 7 },
    { ...call, _timeout: {} },
    { ...call, extra: 1 },
    { ...call, _context_: 1 },
  ];
  for (const message of bad) {
    const parsed = parseRequest(message);
    assert.equal(parsed.ok, false, JSON.stringify(message));
    if (!parsed.ok) assert.deepEqual(parsed.replyTo, { msgId: call._msg_id, replyQueue: 'reply_x' });
  }
  const half = parseRequest({ method: 'echo', _msg_id: 'm' });
  assert.ok(!half.ok && half.replyTo === undefined);
});

test('setOwn (context and args keys) makes own data properties, __proto__ included, without touching prototypes', () => {
  const target: Record<string, unknown> = {};
  for (const key of ['__proto__', 'constructor', 'toString', 'value']) setOwn(target, key, { key });
  assert.equal(Object.getPrototypeOf(target), Object.prototype);
  assert.deepEqual(Object.keys(target), ['__proto__', 'constructor', 'toString', 'value']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(target, '__proto__'), {
    value: { key: '__proto__' },
    enumerable: true,
    writable: true,
    configurable: true,
  });
  assert.equal(({} as Record<string, unknown>).key, undefined);
});
