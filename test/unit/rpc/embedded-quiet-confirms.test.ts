// Quiet publishes on the embedded transport (frames.ts, quiet-confirms.ts): a call's request and
// its reply are answered by the router only when they fail, and their success rides on frames
// the router sends anyway. What must not change: a call to a topic nobody serves fails at once,
// a reply to a queue that is gone fails at once (the reply sender retries on it), a call whose
// server dies fails with a clear error, and nothing waits forever for a confirm.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { MessageDeliveryFailure, MessagingTimeout } from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import type { RouterFrame } from '../../../src/rpc/transports/embedded/frames.js';
import { QUIET_CONFIRM_IDLE_MS } from '../../../src/rpc/transports/embedded/quiet-confirms.js';
import { EmbeddedRouter } from '../../../src/rpc/transports/embedded/router.js';
import { EmbeddedTransport, EmbeddedTransportError } from '../../../src/rpc/transports/embedded/transport.js';
import { DemoEndpoint } from './support/demo-endpoint.js';

const copy = (frame: unknown): unknown => JSON.parse(JSON.stringify(frame));

interface Linked {
  readonly id: string;
  readonly transport: EmbeddedTransport;
  /** Every frame the router sent this link, in order. */
  readonly received: RouterFrame[];
}

/** A real router and transports on links that copy frames through JSON, one setImmediate per hop. */
function recordingRouter(t: TestContext, quietConfirmIdleMs?: number): { router: EmbeddedRouter; link(): Promise<Linked> } {
  const router = new EmbeddedRouter({ logger: silentLogger(), quietConfirmIdleMs });
  let seq = 0;
  const links: Linked[] = [];
  t.after(async () => {
    for (const { id, transport } of links) {
      await transport.stop();
      router.detach(id);
    }
    await router.stop();
  });
  return {
    router,
    async link() {
      const id = `link-${++seq}`;
      const received: RouterFrame[] = [];
      let deliver: ((frame: unknown) => void) | undefined;
      const receive = router.attach(id, {
        send: (frame) => {
          received.push(copy(frame) as RouterFrame);
          setImmediate(() => deliver?.(copy(frame)));
        },
      });
      const transport = new EmbeddedTransport({
        send: (frame) => setImmediate(() => receive(copy(frame))),
        onFrame: (handler) => (deliver = handler),
      });
      await transport.start();
      const linked = { id, transport, received };
      links.push(linked);
      return linked;
    },
  };
}

const dones = (frames: readonly RouterFrame[]): RouterFrame[] => frames.filter((frame) => frame.t === 'done');

test('calls cost the router no done frame: requests and replies are confirmed by the deliveries it sends anyway', async (t) => {
  // No confirmation is sent alone in this test: only those riding on deliveries count.
  const { link } = recordingRouter(t, 60_000);
  const serverLink = await link();
  const server = new RpcServer(serverLink.transport, { topic: 'quiet', server: 's1' }, [new DemoEndpoint('s1')]);
  await server.start();
  const clientLink = await link();
  const client = new RpcClient(clientLink.transport, { topic: 'quiet', version: '1.3' }, { timeoutSeconds: 5 });
  await client.call({}, 'echo', { value: 0 }); // declares the reply queue
  const clientBefore = dones(clientLink.received).length;
  const serverBefore = dones(serverLink.received).length;

  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => client.call({}, 'add', { a: i, b: 1 })));
  assert.deepEqual(
    results,
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  assert.equal(dones(clientLink.received).length, clientBefore, 'no done for the 40 requests');
  assert.equal(dones(serverLink.received).length, serverBefore, 'no done for the 40 replies');
  const seen = clientLink.received.filter((frame) => frame.t === 'deliver' && frame.seen !== undefined);
  assert.ok(seen.length > 0, 'the replies carry the confirmation of the requests');

  // A cast still waits for its own confirm: it resolves once the router took it.
  await client.cast({}, 'notify', { n: 1 });
  assert.equal(dones(clientLink.received).length, clientBefore + 1, 'one done, for the cast');
  // The cast's delivery confirms the server's replies: its reply sender has nothing left to wait for.
  const stopStarted = performance.now();
  await server.stop();
  assert.ok(performance.now() - stopStarted < 5000, 'the server stops without waiting for the idle confirmation');
});

test('a quiet publish that fails is answered at once: no queue for a call, a reply queue that is gone', async (t) => {
  const { link } = recordingRouter(t);
  const { transport } = await link();
  const started = performance.now();
  await assert.rejects(
    transport.publish({ target: { topic: 'nobody', exchange: 'openstack' }, body: '{}', mandatory: true, confirmLate: true }),
    MessageDeliveryFailure,
  );
  await assert.rejects(transport.publishReply('reply_gone', '{}'), MessageDeliveryFailure);
  assert.ok(performance.now() - started < QUIET_CONFIRM_IDLE_MS * 10, 'failures do not wait for the idle confirmation');

  // Through the RPC client: a mandatory call to a topic nobody serves fails at once.
  const client = new RpcClient(transport, { topic: 'nobody' }, { timeoutSeconds: 30, mandatory: true });
  const callStarted = performance.now();
  await assert.rejects(client.call({}, 'echo'), MessageDeliveryFailure);
  assert.ok(performance.now() - callStarted < 1000);
});

test('quiet publishes with no traffic after them are confirmed together by one done after the idle time', async (t) => {
  const { link } = recordingRouter(t);
  const { transport, received } = await link();
  // Another link consumes the queue: nothing goes back to the publishing link.
  const held = await link();
  await held.transport.listen({ topic: 'idle', server: 'h', exchange: 'openstack' }, () => undefined);
  const before = dones(received).length;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 3 }, () =>
      transport.publish({ target: { topic: 'idle', server: 'h', exchange: 'openstack' }, body: '{}', confirmLate: true }),
    ),
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= QUIET_CONFIRM_IDLE_MS - 2 && elapsed < 5000, `confirmed after ${elapsed} ms`);
  assert.equal(dones(received).length - before, 1, 'one done confirms all three');
  assert.equal(held.received.filter((frame) => frame.t === 'deliver').length, 3, 'all three were delivered');
});

test('a server that dies holding a call: the caller fails with MessagingTimeout, and its next call is served', async (t) => {
  const { link, router } = recordingRouter(t);
  const dying = await link();
  const endpoint = new DemoEndpoint('dying');
  t.after(() => endpoint.openGate());
  const dyingServer = new RpcServer(dying.transport, { topic: 'dies', server: 'd' }, [endpoint]);
  await dyingServer.start();
  const clientLink = await link();
  const client = new RpcClient(clientLink.transport, { topic: 'dies', version: '1.3' }, { timeoutSeconds: 0.5 });
  const running = once(endpoint.events, 'blocked');
  const call = client.call({}, 'blocked');
  await running;
  router.detach(dying.id); // the worker died: its link is gone, its acked call never answered
  const started = performance.now();
  await assert.rejects(call, (error: unknown) => error instanceof MessagingTimeout && /Timed out waiting for a reply/.test(error.message));
  assert.ok(performance.now() - started < 2000);

  const live = await link();
  const liveServer = new RpcServer(live.transport, { topic: 'dies', server: 'l' }, [new DemoEndpoint('live')]);
  await liveServer.start();
  t.after(() => liveServer.stop());
  assert.equal(await client.call({}, 'whoami'), 'live');
});

test('a done confirms every earlier quiet publish; a link the router dropped gets its failure at once', async (t) => {
  const { link, router } = recordingRouter(t, 60_000);
  const { id, transport } = await link();
  const held = await link();
  await held.transport.listen({ topic: 'held', server: 'h', exchange: 'openstack' }, () => undefined);
  let confirmed = false;
  const publish = transport
    .publish({ target: { topic: 'held', exchange: 'openstack' }, body: '{}', confirmLate: true })
    .then(() => (confirmed = true));
  await transport.listen({ topic: 'other', server: 'o', exchange: 'openstack' }, () => undefined); // answered by dones
  assert.equal(confirmed, true, 'confirmed by the done of a later operation, not by the idle timer');
  await publish;

  router.detach(id);
  await assert.rejects(
    transport.publish({ target: { topic: 'held', exchange: 'openstack' }, body: '{}', confirmLate: true }),
    (error: unknown) => error instanceof EmbeddedTransportError && /detached/.test(error.message),
  );
});
