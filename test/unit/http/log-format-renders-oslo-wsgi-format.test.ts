/** compileLogFormat: oslo's wsgi_log_format syntax (issue 3). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/errors.js';
import { compileLogFormat, formatDateTime, type LogFieldName } from '../../../src/http/log-format.js';
import { OPTIONS } from '../../../src/config/options.js';

const fields: Record<LogFieldName, string | number> = {
  client_ip: '127.0.0.1',
  client_port: 5555,
  date_time: '25/Nov/2026 12:00:00',
  request_line: 'GET /x HTTP/1.1',
  status_code: 200,
  body_length: 42,
  wall_seconds: 0.0012345678,
};
const get = (name: LogFieldName): string | number => fields[name];

test('the default oslo format renders like eventlet', () => {
  const format = compileLogFormat(OPTIONS.wsgi_log_format.default);
  assert.equal(format(get), '127.0.0.1 "GET /x HTTP/1.1" status: 200  len: 42 time: 0.0012346');
});

test('widths, flags, %d, %% and string precision', () => {
  assert.equal(compileLogFormat('%(status_code)5d|%(client_port)-6s|%%|%(request_line).3s')(get), '  200|5555  |%|GET');
  assert.equal(compileLogFormat('%(body_length)05d %(wall_seconds).2f')(get), '00042 0.00');
});

test('only the fields a format uses are computed', () => {
  const asked: string[] = [];
  compileLogFormat('%(status_code)s')((name) => {
    asked.push(name);
    return 1;
  });
  assert.deepEqual(asked, ['status_code']);
});

test('an unknown field or a stray % is a ConfigError naming wsgi_log_format', () => {
  assert.throws(
    () => compileLogFormat('%(nope)s'),
    (error: unknown) => error instanceof ConfigError && error.option === 'wsgi_log_format',
  );
  assert.throws(() => compileLogFormat('100% done'), ConfigError);
});

test("date_time uses eventlet's layout", () => {
  assert.equal(formatDateTime(new Date(2026, 10, 5, 7, 8, 9)), '05/Nov/2026 07:08:09');
});
