/**
 * `[upgrade_levels]` (issue 28): the option (INI section of free keys, DictOpt form on the
 * command line, values checked), the cap `auto` decides from a table, a client reading a moving
 * cap at every send, and reports carrying the service version.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcVersionCapError } from '../../../src/rpc/errors.js';
import type { Transport } from '../../../src/rpc/transports/transport.js';
import { decideCap, historyEntries, UpgradeLevelCap } from '../../../src/rpc/upgrade-levels.js';
import { InvalidReport, parseReport, type ServiceState } from '../../../src/servicegroup/report.js';

const row = (host: string, serviceVersion: number | null, extra: Partial<ServiceState> = {}): ServiceState => ({
  host,
  binary: 'demo',
  topic: 'demo',
  version: '',
  serviceVersion,
  state: 'up',
  lastHeartbeat: null,
  startedAt: null,
  workers: null,
  pids: null,
  disabled: false,
  disabledReason: null,
  forcedDown: false,
  ...extra,
});
const HISTORY = historyEntries('demo', { 1: '1.0', 2: '1.1', 4: '1.3' });

test('[upgrade_levels] is a section of topics in INI files and key:value pairs on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-upgrade-levels-'));
  try {
    const first = join(dir, 'a.conf');
    const second = join(dir, 'b.conf');
    writeFileSync(first, '[upgrade_levels]\ndemo = auto\ncompute = 5.0\n');
    writeFileSync(second, '[upgrade_levels]\ncompute = 5.1\n');
    assert.deepEqual(
      { ...loadConfig(['--config-file', first, '--config-file', second]).config.upgrade_levels },
      { demo: 'auto', compute: '5.1' },
    );
    assert.deepEqual({ ...loadConfig(['--config-file', first, '--upgrade-levels', 'demo:1.2']).config.upgrade_levels }, { demo: '1.2' });
    assert.deepEqual({ ...loadConfig([]).config.upgrade_levels }, {});
    assert.throws(
      () => loadConfig(['--upgrade-levels', 'demo:latest']),
      (error: unknown) => error instanceof ConfigError && /demo: expected auto or a version/.test(error.message),
    );
    writeFileSync(first, '[upgrade_levels]\ndemo = 1\n');
    assert.throws(() => loadConfig(['--config-file', first]), ConfigError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('auto: the lowest service version among the live services of the topic, through the history', () => {
  assert.deepEqual(decideCap('demo', HISTORY, [row('a', 2), row('b', 1), row('c', 4)]), {
    versionCap: '1.0',
    serviceVersion: 1,
    host: 'b',
    binary: 'demo',
    reason: 'the lowest service version among the live services of the topic',
  });
  // Down, forced down and other topics do not count; a version between entries takes the lower one.
  const table = [row('a', 3), row('b', 1, { state: 'down' }), row('c', 1, { forcedDown: true }), row('d', 0, { topic: 'other' })];
  assert.deepEqual([decideCap('demo', HISTORY, table).versionCap, decideCap('demo', HISTORY, table).host], ['1.1', 'a']);
  assert.equal(decideCap('demo', HISTORY, []).versionCap, '1.3', 'no live service: the newest');
  assert.equal(
    decideCap('demo', HISTORY, [row('a', 4), row('old', null)]).versionCap,
    '1.0',
    'a report without a service version: the oldest',
  );
  assert.equal(decideCap('demo', HISTORY, [row('a', 0)]).versionCap, '1.0', 'older than the history: the oldest');
  assert.throws(() => historyEntries('demo', { 1: 'one' }), ConfigError);
  assert.throws(() => historyEntries('demo', {}), ConfigError);
});

test('a client reads the cap at every send; the cap moves when the table does, logged once a change', async () => {
  let table = [row('old', 1), row('new', 2)];
  const lines: Array<Record<string, unknown>> = [];
  const logger = silentLogger();
  const recording = Object.assign(Object.create(logger) as typeof logger, {
    child: () => recording,
    info: (fields: Record<string, unknown>) => lines.push(fields),
    warn: (fields: Record<string, unknown>) => lines.push(fields),
  });
  const cap = new UpgradeLevelCap({
    topic: 'demo',
    level: 'auto',
    history: { 1: '1.0', 2: '1.1' },
    services: async () => table,
    logger: recording,
    refreshIntervalMs: 60_000,
  });
  assert.equal(cap.versionCap, '1.0', 'before the first read: the oldest');
  const published: unknown[] = [];
  const transport = { bodyFormat: 'plain', publish: async (message: unknown) => void published.push(message) } as unknown as Transport;
  const client = new RpcClient(transport, { topic: 'demo' }, { versionCap: cap });
  await cap.start();
  assertCap(client, false);
  await assert.rejects(client.prepare({ version: '1.1' }).cast({}, 'hello_v2'), RpcVersionCapError);
  await client.prepare({ version: '1.0' }).cast({}, 'hello');
  table = [row('old', 1, { state: 'down' }), row('new', 2)];
  await cap.refresh();
  await cap.refresh();
  assertCap(client, true);
  await client.prepare({ version: '1.1' }).cast({}, 'hello_v2');
  assert.equal(published.length, 2);
  const changes = lines.filter((line) => line.versionCap !== undefined).map((line) => [line.versionCap, line.host ?? null]);
  assert.deepEqual(changes, [
    ['1.0', null],
    ['1.0', 'old'],
    ['1.1', 'new'],
  ]);
  // A table that cannot be read keeps the cap.
  const failing = new UpgradeLevelCap({
    topic: 'demo',
    level: 'auto',
    history: { 1: '1.0', 2: '1.1' },
    services: async () => {
      throw new Error('down');
    },
    logger: recording,
    refreshIntervalMs: 60_000,
  });
  await failing.refresh();
  assert.equal(failing.versionCap, '1.0');
  cap.stop();
  assert.equal(new UpgradeLevelCap({ topic: 'demo', level: '1.4', logger: recording, refreshIntervalMs: 0 }).versionCap, '1.4');
  assert.throws(() => new UpgradeLevelCap({ topic: 'demo', level: 'auto', logger: recording, refreshIntervalMs: 0 }), ConfigError);
});

function assertCap(client: RpcClient, newest: boolean): void {
  assert.equal(client.canSendVersion('1.1'), newest);
  assert.equal(client.prepare({ timeoutSeconds: 5 }).canSendVersion('1.1'), newest, 'prepare() keeps the live cap');
}

test("reports carry the service version: checked when present, absent in older launchers' reports", () => {
  const base = {
    host: 'h',
    binary: 'demo',
    topic: 'demo',
    version: '1.3',
    pid: 42,
    workers: 1,
    pids: [43],
    startedAt: 'now',
    disabled: false,
    disabledReason: null,
  };
  assert.equal((parseReport({ ...base, serviceVersion: 7 }) as { serviceVersion?: number }).serviceVersion, 7);
  assert.equal('serviceVersion' in (parseReport(base) as object), false);
  for (const bad of [-1, 1.5, '2', 2 ** 31]) assert.ok(parseReport({ ...base, serviceVersion: bad }) instanceof InvalidReport, String(bad));
});
