/**
 * A link to the embedded router from inside the launcher itself (the launcher's service-group
 * reporter): frames are copied and handed over on the next microtask, as if they had crossed
 * the IPC channel, so neither side sees the other's objects or runs inside the other's call.
 */
import type { EmbeddedRouter } from './router.js';
import type { EmbeddedLink } from './transport.js';

export function inProcessLink(router: EmbeddedRouter, linkId: string): EmbeddedLink {
  let deliver: ((frame: unknown) => void) | undefined;
  const receive = router.attach(linkId, { send: (frame) => queueMicrotask(() => deliver?.(structuredClone(frame))) });
  return {
    send: (frame) => queueMicrotask(() => receive(structuredClone(frame))),
    onFrame: (handler) => void (deliver = handler),
    close: () => router.detach(linkId),
  };
}
