import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { censor, redactUrlPasswords } from '../../../src/logging/redact.js';

test('URL passwords are masked, one or several URLs, other text untouched', () => {
  assert.equal(redactUrlPasswords('rabbit://nova:s3cret@10.0.0.1:5672/'), 'rabbit://nova:***@10.0.0.1:5672/');
  assert.equal(
    redactUrlPasswords('rabbit://a:p1@h1:5672,b:p2@h2:5672/vh'),
    'rabbit://a:***@h1:5672,b:p2@h2:5672/vh'.replace('b:p2@', 'b:***@'),
  );
  assert.equal(redactUrlPasswords('connecting to amqp://guest@h/ now'), 'connecting to amqp://guest@h/ now');
  assert.equal(redactUrlPasswords('no url here'), 'no url here');
  assert.equal(redactUrlPasswords('amqp://u:p@ss@h:1/'), 'amqp://u:***@h:1/');
});

test('the censor masks URL passwords and hides non-strings', () => {
  assert.equal(censor('amqp://u:pw@h/'), 'amqp://u:***@h/');
  assert.equal(censor({ password: 'x' }), '[Redacted]');
});

test('a pino logger with our redaction writes no password', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  const logger = pino({ redact: { paths: ['transport_url', '*.transport_url'], censor } }, sink);
  logger.info({ transport_url: 'rabbit://u:topsecret@h/' }, 'start');
  logger.info({ config: { transport_url: 'rabbit://u:topsecret@h/' } }, 'nested');
  assert.equal(lines.length, 2);
  for (const line of lines) assert.doesNotMatch(line, /topsecret/);
  assert.match(lines[0]!, /rabbit:\/\/u:\*\*\*@h\//);
});
