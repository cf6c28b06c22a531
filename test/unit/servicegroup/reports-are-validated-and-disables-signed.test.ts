import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidReport, MAX_FIELD_LENGTH, parseDisable, parseLeave, parseReport } from '../../../src/servicegroup/report.js';
import {
  checkDisableSignature,
  checkLeaveSignature,
  signDisable,
  signLeave,
  SIGNATURE_WINDOW_MS,
} from '../../../src/servicegroup/signed-disable.js';

const good = {
  host: 'h1',
  binary: 'demo',
  topic: 'demo',
  version: '1.3',
  pid: 42,
  workers: 2,
  pids: [43, 44],
  startedAt: '2026-11-25T00:00:00.000Z',
  disabled: false,
  disabledReason: null,
};

test('a well-formed report passes and keeps only known fields', () => {
  const parsed = parseReport({ ...good, extra: 'x', __proto__: { polluted: true } });
  assert.ok(!(parsed instanceof InvalidReport));
  assert.deepEqual(parsed, good);
});

test('the issue 14 reproduction and other bad shapes are refused, naming the field', () => {
  const field = (value: unknown): string | undefined => {
    const parsed = parseReport(value);
    return parsed instanceof InvalidReport ? parsed.field : undefined;
  };
  assert.equal(field({ host: 1, binary: 2, pid: 3 }), 'host');
  assert.equal(field({ ...good, binary: 2 }), 'binary');
  assert.equal(field({ ...good, pid: 3.5 }), 'pid');
  assert.equal(field({ ...good, pid: -1 }), 'pid');
  assert.equal(field({ ...good, pid: '42' }), 'pid');
  assert.equal(field({ ...good, host: 'x'.repeat(MAX_FIELD_LENGTH + 1) }), 'host');
  assert.equal(field({ ...good, host: '' }), 'host');
  assert.equal(field({ ...good, pids: [1, 'x'] }), 'pids');
  assert.equal(field({ ...good, pids: new Array(2000).fill(1) }), 'pids');
  assert.equal(field({ ...good, disabled: 'yes' }), 'disabled');
  assert.equal(field({ ...good, disabledReason: 7 }), 'disabledReason');
  assert.equal(field(null), 'report');
  assert.equal(field([good]), 'report');
  assert.equal(field(undefined), 'report');
  assert.equal(field({ ...good, host: 'x'.repeat(MAX_FIELD_LENGTH) }), undefined, "255 characters fit nova's column");
  // The hello answer's address becomes a routing key: short and plain.
  assert.equal(field({ ...good, server: 'reporter-0123abcd' }), undefined);
  assert.equal(field({ ...good, server: 'a#b' }), 'server');
  assert.equal(field({ ...good, server: 'x'.repeat(65) }), 'server');
  assert.equal(field({ ...good, server: 7 }), 'server');
});

test('leave and disable requests are validated the same way', () => {
  assert.deepEqual(parseLeave({ host: 'h', binary: 'b', pid: 1 }), { host: 'h', binary: 'b', pid: 1 });
  assert.ok(parseLeave({ host: 'h', binary: 'b', pid: 'one' }) instanceof InvalidReport);
  assert.deepEqual(parseDisable({ host: 'h', binary: 'b', disabled: true, reason: 'r' }), {
    host: 'h',
    binary: 'b',
    disabled: true,
    reason: 'r',
  });
  assert.deepEqual(
    parseDisable({ host: 'h', binary: 'b', disabled: false, reason: 'r' }),
    { host: 'h', binary: 'b', disabled: false, reason: null },
    'enable clears the reason',
  );
  assert.ok(parseDisable({ host: 'h', binary: 'b', disabled: 1 }) instanceof InvalidReport);
  assert.ok(parseDisable({ host: 'h', binary: 'b', disabled: true, reason: 'r'.repeat(256) }) instanceof InvalidReport);
});

test("a disable cast is accepted only with the admin token's fresh signature", () => {
  const request = { host: 'h', binary: 'b', disabled: true, reason: 'maintenance' };
  const now = 1_800_000_000_000;
  const signed = signDisable('s3cret', request, now);
  assert.ok(!JSON.stringify(signed).includes('s3cret'), 'the token itself never travels');
  assert.equal(checkDisableSignature('s3cret', request, signed.at, signed.sig, now + 1000), undefined);
  assert.equal(checkDisableSignature('other', request, signed.at, signed.sig, now), 'bad signature');
  assert.equal(
    checkDisableSignature('s3cret', { ...request, host: 'x' }, signed.at, signed.sig, now),
    'bad signature',
    'bound to the request',
  );
  assert.equal(checkDisableSignature('s3cret', request, signed.at, signed.sig, now + SIGNATURE_WINDOW_MS + 1), 'stale time');
  assert.equal(checkDisableSignature('s3cret', request, undefined, undefined, now), 'missing time');
  // In a report (no freshness check) an old state's signature still holds; newer-than-held decides.
  assert.equal(checkDisableSignature('s3cret', request, signed.at, signed.sig, null), undefined);
  assert.equal(checkDisableSignature('s3cret', request, now, 'zz', now), 'missing signature');
  assert.equal(checkDisableSignature(undefined, request, signed.at, signed.sig, now), 'admin_token is not set here');
});

test('the key is derived from the token (HKDF), not the token itself; a leave is signed too', async () => {
  const { createHmac } = await import('node:crypto');
  const request = { host: 'h', binary: 'b', disabled: true, reason: null };
  const now = 1_800_000_000_000;
  const signed = signDisable('s3cret', request, now);
  const withToken = createHmac('sha256', 's3cret')
    .update(JSON.stringify(['set_disabled', 'h', 'b', true, null, now]))
    .digest('hex');
  assert.notEqual(signed.sig, withToken, 'not keyed by the bearer token');
  assert.equal(SIGNATURE_WINDOW_MS, 5000, 'a few seconds');
  const leave = signLeave('s3cret', { host: 'h', binary: 'b', pid: 7 }, now);
  assert.equal(checkLeaveSignature('s3cret', { host: 'h', binary: 'b', pid: 7 }, leave.at, leave.sig, now), undefined);
  assert.equal(
    checkLeaveSignature('s3cret', { host: 'h', binary: 'b', pid: 8 }, leave.at, leave.sig, now),
    'bad signature',
    'bound to the pid',
  );
  assert.equal(checkLeaveSignature('s3cret', { host: 'h', binary: 'b', pid: 7 }, undefined, undefined, now), 'missing time');
  assert.equal(checkLeaveSignature(undefined, { host: 'h', binary: 'b', pid: 7 }, leave.at, leave.sig, now), 'admin_token is not set here');
});
