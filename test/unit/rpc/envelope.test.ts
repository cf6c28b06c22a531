import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEnvelope, encodeEnvelope, scanReplyAddress } from '../../../src/rpc/envelope.js';

test('an encoded message decodes to the same dict, with oslo.message as a string', () => {
  const message = { method: 'echo', args: { value: 'héllo ☃' }, _unique_id: 'a'.repeat(32) };
  const body = encodeEnvelope(message);
  const outer = JSON.parse(body) as Record<string, unknown>;
  assert.equal(outer['oslo.version'], '2.0');
  assert.equal(typeof outer['oslo.message'], 'string');
  const decoded = decodeEnvelope(Buffer.from(body));
  assert.deepEqual(decoded, { ok: true, message, legacy: false });
});

test('the envelope is byte for byte what JSON.stringify of the envelope object gives', () => {
  const messages = [
    { method: 'echo', args: { value: 'héllo ☃ "quoted" \\ \n \u2028 \ud800' }, _unique_id: 'a'.repeat(32) },
    { result: null, failure: null, ending: true, _msg_id: 'b'.repeat(32) },
    {},
  ];
  for (const message of messages) {
    assert.equal(encodeEnvelope(message), JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) }));
  }
  assert.throws(() => encodeEnvelope({ big: 1n }), TypeError);
});

test('Python-style inner JSON (separators and \\u escapes) decodes', () => {
  const body = '{"oslo.version": "2.0", "oslo.message": "{\\"method\\": \\"echo\\", \\"args\\": {\\"v\\": \\"\\\\u00e9\\"}}"}';
  const decoded = decodeEnvelope(body);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.message, { method: 'echo', args: { v: 'é' } });
});

test('an object without the envelope keys is a legacy 1.0 message', () => {
  const decoded = decodeEnvelope('{"method": "echo", "args": {}}');
  assert.deepEqual(decoded, { ok: true, message: { method: 'echo', args: {} }, legacy: true });
});

test('malformed bodies give coded errors and never throw', () => {
  const cases: [string | Buffer, string][] = [
    ['not json', 'not-json'],
    ['', 'not-json'],
    [Buffer.from([0xff, 0xfe, 0x00]), 'not-json'],
    ['[1,2]', 'not-object'],
    ['null', 'not-object'],
    ['"str"', 'not-object'],
    ['{"oslo.version": "2.0", "oslo.message": {"method": "x"}}', 'bad-envelope'],
    ['{"oslo.version": 2, "oslo.message": "{}"}', 'bad-envelope'],
    ['{"oslo.version": "2.1", "oslo.message": "{}"}', 'unsupported-envelope-version'],
    ['{"oslo.version": "3.0", "oslo.message": "{}"}', 'unsupported-envelope-version'],
    ['{"oslo.version": "x.y", "oslo.message": "{}"}', 'unsupported-envelope-version'],
    ['{"oslo.version": "2.0", "oslo.message": "{not json"}', 'not-json'],
    ['{"oslo.version": "2.0", "oslo.message": "[1]"}', 'not-object'],
    ['{"oslo.version": "2.0", "oslo.message": null}', 'bad-envelope'],
  ];
  for (const [body, code] of cases) {
    const decoded = decodeEnvelope(body);
    assert.equal(decoded.ok, false, String(body));
    if (!decoded.ok) assert.equal(decoded.code, code, String(body));
  }
});

test('a body over the size limit is refused before parsing', () => {
  const decoded = decodeEnvelope(Buffer.alloc(2048, 0x20), 1024);
  assert.equal(decoded.ok, false);
  if (!decoded.ok) assert.equal(decoded.code, 'too-large');
});

test('the reply address of an undecodable body is found in its head or tail', () => {
  const huge = 'x'.repeat(300_000);
  const body = encodeEnvelope({ method: 'm', args: { huge }, _msg_id: 'f'.repeat(32), _reply_q: `reply_${'a'.repeat(32)}` });
  assert.deepEqual(scanReplyAddress(Buffer.from(body.slice(0, -3))), { msgId: 'f'.repeat(32), replyQueue: `reply_${'a'.repeat(32)}` });
  assert.equal(scanReplyAddress(Buffer.from('garbage')), undefined);
});
