/**
 * Notifications both ways with the trixie root's Python oslo.messaging 16.1 (run through chroot)
 * on the test RabbitMQ: every priority, unicode, a filter, two pools, a batch listener, v1 and v2 drivers, requeue.
 */
import { test } from 'node:test';
import { withBroker } from '../../helpers/broker.js';
import { ourNotifierToPythonListener, pythonNotifierToOurListeners, sideAvailable } from './interop-suite.js';

const SIDE = 'oslo.messaging 16.1';

test(`a Python ${SIDE} Notifier reaches our listeners, filter, pools and batch listener`, { timeout: 60_000 }, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const missing = sideAvailable(SIDE);
  if (missing) {
    t.skip(missing.skip);
    return;
  }
  await pythonNotifierToOurListeners(t, SIDE, url);
});

test(`our Notifier (v1 and v2) reaches a Python ${SIDE} listener, which requeues, and its batch listener`, {
  timeout: 60_000,
}, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const missing = sideAvailable(SIDE);
  if (missing) {
    t.skip(missing.skip);
    return;
  }
  await ourNotifierToPythonListener(t, SIDE, url);
});
