/** Publishes hand-made bodies and records raw replies, to test the server at the wire level. */
import { EventEmitter, once } from 'node:events';
import { decodeEnvelope, encodeEnvelope } from '../../../../src/rpc/envelope.js';
import { hex32 } from '../../../../src/rpc/ids.js';
import type { Transport } from '../../../../src/rpc/transports/transport.js';

export interface RawPeer {
  readonly replyQueue: string;
  /** Decoded reply dicts, in arrival order. */
  readonly replies: Record<string, unknown>[];
  /** Publish a body to `topic` on the control exchange. */
  publish(topic: string, body: string): Promise<void>;
  /** Publish a call envelope with this peer's reply queue; returns its _msg_id. */
  call(topic: string, fields: Record<string, unknown>): Promise<string>;
  /** Wait until `count` replies arrived (bounded by `timeoutMs`). */
  waitForReplies(count: number, timeoutMs?: number): Promise<void>;
}

export async function rawPeer(transport: Transport): Promise<RawPeer> {
  const replies: Record<string, unknown>[] = [];
  const events = new EventEmitter();
  const replyQueue = await transport.replyQueue((body) => {
    const decoded = decodeEnvelope(body);
    replies.push(decoded.ok ? decoded.message : { undecodable: body.toString() });
    events.emit('reply');
  });
  const publish = (topic: string, body: string) => transport.publish({ target: { exchange: 'openstack', topic }, body });
  return {
    replyQueue,
    replies,
    publish,
    async call(topic, fields) {
      const msgId = hex32();
      await publish(
        topic,
        encodeEnvelope({ args: {}, _unique_id: hex32(), _msg_id: msgId, _reply_q: replyQueue, _timeout: null, ...fields }),
      );
      return msgId;
    },
    async waitForReplies(count, timeoutMs = 5000) {
      const signal = AbortSignal.timeout(timeoutMs);
      while (replies.length < count) await once(events, 'reply', { signal });
    },
  };
}
