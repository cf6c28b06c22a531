/**
 * oslo's Serializer on both sides of a call: the client serializes each argument and
 * deserializes the result, the server deserializes each argument and serializes the result.
 * With the default (NoOpSerializer) the arguments go through as they are, without a copy per
 * argument; a `__proto__` argument stays plain data either way.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import type { RequestContext } from '../../../src/rpc/context.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { NoOpSerializer, passesEntitiesThrough } from '../../../src/rpc/serializer.js';
import { inProcessBroker } from './support/in-process.js';

/** Dates travel as {"$date": ISO text}, as an application serializer would send them. */
class DateSerializer extends NoOpSerializer {
  override serializeEntity(_ctx: RequestContext, entity: unknown): unknown {
    return entity instanceof Date ? { $date: entity.toISOString() } : entity;
  }
  override deserializeEntity(_ctx: RequestContext, entity: unknown): unknown {
    const date = (entity as { $date?: unknown } | null)?.$date;
    return typeof date === 'string' ? new Date(date) : entity;
  }
}

const seen: unknown[] = [];
const endpoint = {
  /** The argument's type as the endpoint sees it, and the next day as the result. */
  nextDay(_ctx: unknown, args: { day: unknown }): unknown {
    seen.push(args.day);
    return args.day instanceof Date ? new Date(args.day.getTime() + 86_400_000) : args.day;
  },
  /** The argument object's own keys and prototype, as the endpoint sees them. */
  shape(_ctx: unknown, args: Record<string, unknown>): unknown {
    return { keys: Object.keys(args), plainPrototype: Object.getPrototypeOf(args) === Object.prototype };
  },
};

const broker = inProcessBroker();
const servers: RpcServer[] = [];
let dated: RpcClient;
let plain: RpcClient;

before(async () => {
  const server = new RpcServer(await broker.transport(), { topic: 'dates', server: 's1' }, [endpoint], {
    serializer: new DateSerializer(),
  });
  const plainServer = new RpcServer(await broker.transport(), { topic: 'plain', server: 's1' }, [endpoint]);
  servers.push(server, plainServer);
  for (const s of servers) await s.start();
  dated = new RpcClient(await broker.transport(), { topic: 'dates' }, { timeoutSeconds: 5, serializer: new DateSerializer() });
  plain = new RpcClient(await broker.transport(), { topic: 'plain' }, { timeoutSeconds: 5 });
});
after(async () => {
  for (const server of servers) await server.stop();
  await broker.close();
});

test('only an unmodified NoOpSerializer passes entities through', () => {
  assert.equal(passesEntitiesThrough(new NoOpSerializer()), true);
  assert.equal(passesEntitiesThrough(new DateSerializer()), false);
});

test('a custom serializer runs on the arguments and the result of both sides', async () => {
  seen.length = 0;
  const result = await dated.call({}, 'nextDay', { day: new Date('2026-11-27T00:00:00Z') });
  assert.ok(seen[0] instanceof Date, 'the server deserialized the argument into a Date');
  assert.ok(result instanceof Date, 'the client deserialized the result into a Date');
  assert.equal(result.toISOString(), '2026-11-28T00:00:00.000Z');
});

test('without a serializer the arguments arrive as JSON values', async () => {
  seen.length = 0;
  assert.equal(await plain.call({}, 'nextDay', { day: new Date('2026-11-27T00:00:00Z') }), '2026-11-27T00:00:00.000Z');
  assert.equal(seen[0], '2026-11-27T00:00:00.000Z');
});

test('a __proto__ argument is an own data property on both paths, never a prototype', async () => {
  const args = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
  for (const client of [plain, dated]) {
    assert.deepEqual(await client.call({}, 'shape', args), { keys: ['__proto__', 'x'], plainPrototype: true });
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
