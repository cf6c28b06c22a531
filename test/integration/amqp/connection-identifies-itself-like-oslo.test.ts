/**
 * What the broker sees of one transport: one connection named like oslo's
 * ("<argv0>:<pid>:<uuid4>"), the negotiated heartbeat, two channels, and consumers with manual
 * acks and the configured prefetch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBroker, rabbit, startTransport, uniqueTopic } from '../../helpers/broker.js';

interface ConnectionRow {
  name: string;
  timeout: number;
  client_properties: Array<[string, string, unknown]>;
}

async function connectionNamed(connectionName: string): Promise<ConnectionRow | undefined> {
  const rows = JSON.parse(await rabbit(['list_connections'])) as ConnectionRow[];
  return rows.find((row) => row.client_properties.some(([key, , value]) => key === 'connection_name' && value === connectionName));
}

test('connection name, heartbeat and consumers as configured', async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const transport = await startTransport(t, brokerUrl, { heartbeat_timeout_threshold: 60, rabbit_qos_prefetch_count: 7 });
  assert.match(
    transport.connectionName,
    new RegExp(`^[^:]+:${process.pid}:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$`),
  );
  const row = await connectionNamed(transport.connectionName);
  assert.ok(row, 'the broker lists the connection under its oslo-style name');
  assert.equal(row.timeout, 60, 'heartbeat_timeout_threshold is negotiated');

  const topic = uniqueTopic('consumers');
  const listener = await transport.listen({ exchange: 'openstack', topic, server: 's' }, (d) => d.ack());
  t.after(() => listener.stop());
  const consumers = (
    JSON.parse(await rabbit(['list_consumers'])) as Array<{ queue_name: string; ack_required: boolean; prefetch_count: number }>
  ).filter((c) => c.queue_name.startsWith(topic));
  assert.equal(consumers.length, 3);
  assert.ok(consumers.every((c) => c.ack_required && c.prefetch_count === 7));

  const quiet = await startTransport(t, brokerUrl, { heartbeat_timeout_threshold: 0 });
  assert.equal((await connectionNamed(quiet.connectionName))?.timeout, 0, '0 turns heartbeats off');
});
