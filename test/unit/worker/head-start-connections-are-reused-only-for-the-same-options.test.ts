import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { connectionsFor, type Connections, type HeadStart } from '../../../src/worker/head-start.js';

/** A head start whose transports count their stops. */
function head(config: Record<string, unknown>): { head: HeadStart; stops: string[] } {
  const stops: string[] = [];
  const connections = {
    transport: { kind: 'embedded', stop: async () => void stops.push('transport') },
    notifications: { stop: async () => void stops.push('notifications') },
    started: Promise.resolve(),
  } as unknown as Connections;
  return {
    head: {
      config: config as never,
      processLogger: silentLogger(),
      logger: silentLogger(),
      slot: undefined,
      connections,
      configJson: JSON.stringify({ ...config, workers: undefined }),
    },
    stops,
  };
}

const init = (config: Record<string, unknown>) => ({ config, slot: 1, workers: Number(config.workers) });
const settle = () => new Promise((resolve) => setImmediate(resolve));

test("a slot with the head start's options takes its connections; a scale in between (workers) changes nothing", async () => {
  const { head: h, stops } = head({ workers: 2, log_level: 'info', transport_url: undefined });
  assert.equal(connectionsFor(h, init({ workers: 2, log_level: 'info', transport_url: undefined })), h.connections);
  assert.equal(connectionsFor(h, init({ workers: 5, log_level: 'info', transport_url: undefined })), h.connections);
  await settle();
  assert.deepEqual(stops, []);
});

test('other options: the connections are closed and the worker connects afresh', async () => {
  const { head: h, stops } = head({ workers: 2, transport_url: 'amqp://a' });
  assert.equal(connectionsFor(h, init({ workers: 2, transport_url: 'amqp://b' })), undefined);
  await settle();
  assert.deepEqual(stops.sort(), ['notifications', 'transport']);
});

test('no head start (or none that connected): nothing to reuse', () => {
  assert.equal(connectionsFor(undefined, init({ workers: 1 })), undefined);
  const { head: h } = head({ workers: 1 });
  assert.equal(connectionsFor({ ...h, connections: undefined }, init({ workers: 1 })), undefined);
});
