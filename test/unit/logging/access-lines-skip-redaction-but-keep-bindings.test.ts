/**
 * requestDataLogger: the access log's logger writes to the process logger's stream with its
 * bindings, without the redaction machinery (its caller scrubs request data itself).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { createLogger, requestDataLogger } from '../../../src/logging/logger.js';

function collector(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, stream };
}

test('access lines go to the process logger stream with its pid, worker and level', () => {
  const { lines, stream } = collector();
  const logger = createLogger({ level: 'info', workerId: 3, stream });
  const access = requestDataLogger(logger.child({ component: 'http' }), { component: 'access' });
  access.info({ path: '/x', status: 200 }, 'GET /x');
  access.debug('below the level');
  logger.info({ transport_url: 'rabbit://u:topsecret@h/' }, 'the process logger still redacts');
  assert.equal(lines.length, 2);
  assert.deepEqual(
    { pid: lines[0]!.pid, worker: lines[0]!.worker, component: lines[0]!.component, path: lines[0]!.path, msg: lines[0]!.msg },
    { pid: process.pid, worker: 3, component: 'access', path: '/x', msg: 'GET /x' },
  );
  assert.equal(typeof lines[0]!.time, 'string');
  assert.doesNotMatch(JSON.stringify(lines[1]), /topsecret/);
});

test('for a logger not made by createLogger it is a plain child', () => {
  const { lines, stream } = collector();
  const foreign = pino({ base: { app: 'mine' } }, stream);
  requestDataLogger(foreign, { component: 'access' }).info('line');
  assert.equal(lines[0]!.app, 'mine');
  assert.equal(lines[0]!.component, 'access');
});
