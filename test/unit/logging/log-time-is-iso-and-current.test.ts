/** isoTimeOncePerMs: pino's isoTime field, rendered once per millisecond and never stale. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { isoTimeOncePerMs } from '../../../src/logging/logger.js';
import { until } from '../../helpers/wait.js';

const timeOf = (field: string): number => Date.parse((JSON.parse(`{${field.slice(1)}}`) as { time: string }).time);

test('the time field has the form of pino isoTime and follows the clock', async () => {
  const before = Date.now();
  const field = isoTimeOncePerMs();
  assert.match(field, /^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
  assert.equal(field.length, pino.stdTimeFunctions.isoTime().length);
  assert.ok(timeOf(field) >= before && timeOf(field) <= Date.now());
  // Wait until the clock has moved on (timers may fire early against Date.now()).
  await until('the clock to move on', () => Date.now() > timeOf(field), { intervalMs: 1 });
  const after = Date.now();
  const later = isoTimeOncePerMs();
  assert.ok(timeOf(later) >= after, `${later} is not older than ${new Date(after).toISOString()}`);
});
