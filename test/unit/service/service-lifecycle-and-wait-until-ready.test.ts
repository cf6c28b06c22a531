import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { InvalidArgumentError } from '../../../src/errors.js';
import { MessagingTimeout, NoSuchMethod } from '../../../src/rpc/errors.js';
import { Manager, type ServiceRecord } from '../../../src/service/manager.js';
import { Service } from '../../../src/service/service.js';
import { waitUntilReady } from '../../../src/service/wait-until-ready.js';
import { inProcessBroker } from '../rpc/support/in-process.js';

const config = loadConfig(
  ['--periodic-enable=false', '--report-interval', '1', '--service-host', 'unit-host', '--binary', 'conductor'],
  {},
).config;

class OrderManager extends Manager {
  readonly order: string[] = [];
  override initHost(record: ServiceRecord | undefined): void {
    this.order.push(`initHost:${record === undefined}`);
  }
  override preStartHook(record: ServiceRecord): void {
    this.order.push(`preStartHook:${record.host}/${record.binary}/${record.topic}`);
  }
  override postStartHook(): void {
    this.order.push('postStartHook');
  }
  override cleanupHost(): void {
    this.order.push('cleanupHost');
  }
  hello(_ctx: unknown, args: { name?: string }): string {
    return `hello ${args.name}`;
  }
}

test('Service.create fills nova defaults; start and stop run the hooks in order; RPC reaches the manager on topic and topic.host', async (t) => {
  const broker = inProcessBroker();
  t.after(() => broker.close());
  const transport = await broker.transport();
  const service = Service.create({ config, logger: silentLogger(), transport, manager: OrderManager });
  assert.equal(service.host, 'unit-host');
  assert.equal(service.binary, 'conductor');
  assert.equal(service.topic, 'conductor', 'topic defaults to the binary');
  await service.start();
  t.after(() => service.stop({ timeoutMs: 1000 }));

  const client = new RpcClient(await broker.transport(), { topic: 'conductor' }, { timeoutSeconds: 2 });
  assert.equal(await client.call({}, 'hello', { name: 'a' }), 'hello a');
  assert.equal(await client.prepare({ server: 'unit-host' }).call({}, 'hello', { name: 'b' }), 'hello b');
  // Manager hooks are not RPC methods (the base class is an RPC_BASE).
  await assert.rejects(client.call({}, 'initHost', {}), NoSuchMethod);
  await assert.rejects(client.call({}, 'cleanupHost', {}), NoSuchMethod);
  // nova's BaseRPCAPI answers in namespace baseapi.
  assert.deepEqual(await client.prepare({ namespace: 'baseapi', version: '1.1' }).call({}, 'ping', { arg: 7 }), {
    service: 'conductor',
    arg: 7,
  });

  assert.deepEqual(
    (await service.services()).map((s) => [s.host, s.binary, s.state]),
    [['unit-host', 'conductor', 'up']],
  );
  await service.stop({ timeoutMs: 1000 });
  const manager = service.manager as OrderManager;
  assert.deepEqual(manager.order, ['initHost:true', 'preStartHook:unit-host/conductor/conductor', 'postStartHook', 'cleanupHost']);
  assert.equal(service.state, 'stopped');
});

test('waitUntilReady returns once a server on the topic answers, and times out when none does', async (t) => {
  const broker = inProcessBroker();
  t.after(() => broker.close());
  const client = new RpcClient(await broker.transport(), { topic: 'conductor' });

  await assert.rejects(waitUntilReady(client, 0.6, 0.2), MessagingTimeout);

  const transport = await broker.transport();
  const service = Service.create({ config, logger: silentLogger(), transport, manager: OrderManager });
  const started = performance.now();
  setTimeout(() => void service.start(), 300); // time is the subject: the server appears 0.3 s late
  t.after(() => service.stop({ timeoutMs: 1000 }));
  await waitUntilReady(client, 5, 0.2);
  assert.ok(performance.now() - started >= 250, 'waited for the server to appear');
});

test('Service.create takes its seconds under their unit names or their deprecated ones, and refuses the two differing', async (t) => {
  const broker = inProcessBroker();
  t.after(() => broker.close());
  const transport = await broker.transport();
  const base = { config, logger: silentLogger(), transport, manager: OrderManager };
  for (const [name, alias] of [
    ['reportIntervalSeconds', 'reportInterval'],
    ['periodicFuzzyDelaySeconds', 'periodicFuzzyDelay'],
    ['periodicIntervalMaxSeconds', 'periodicIntervalMax'],
  ] as const) {
    assert.doesNotThrow(() => Service.create({ ...base, [name]: 5 }));
    assert.doesNotThrow(() => Service.create({ ...base, [alias]: 5 }));
    assert.doesNotThrow(() => Service.create({ ...base, [name]: 5, [alias]: 5 }));
    assert.throws(
      () => Service.create({ ...base, [name]: 5, [alias]: 6 }),
      (error: unknown) =>
        error instanceof InvalidArgumentError && error.message.includes(`${name} (5) and its deprecated name ${alias} (6) differ`),
    );
  }
});
