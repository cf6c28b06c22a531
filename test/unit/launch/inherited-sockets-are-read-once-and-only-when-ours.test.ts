/**
 * src/launch/inherited-sockets.ts: sd_listen_fds(3)'s rules (LISTEN_PID must be ours, the
 * variables are removed whatever they say), LISTEN_FDNAMES choosing the HTTP socket, and a
 * handover's OSLO_HANDOVER naming the parent instead of LISTEN_PID.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HANDOVER_ENV, takeInheritedSockets } from '../../../src/launch/inherited-sockets.js';
import { ConfigError } from '../../../src/errors.js';

test('systemd: one socket for our pid is descriptor 3; the variables are removed', () => {
  const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: '100', LISTEN_FDNAMES: 'oslo-node.socket', OTHER: 'x' };
  const got = takeInheritedSockets(env, 100, 1);
  assert.equal(got?.source, 'systemd');
  assert.equal(got?.http, 3);
  assert.equal(got?.httpName, 'oslo-node.socket');
  assert.equal(got?.activated, true);
  assert.deepEqual(env, { OTHER: 'x' });
});

test('sockets meant for another process are ignored (and still removed)', () => {
  const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: '99' };
  assert.equal(takeInheritedSockets(env, 100, 1), undefined);
  assert.deepEqual(env, {});
  assert.equal(takeInheritedSockets({ LISTEN_FDS: '0', LISTEN_PID: '100' }, 100, 1), undefined);
  assert.equal(takeInheritedSockets({ LISTEN_FDS: 'two', LISTEN_PID: '100' }, 100, 1), undefined);
  assert.equal(takeInheritedSockets({}, 100, 1), undefined);
});

test('several sockets: the one named http; none named so is a clear error', () => {
  const got = takeInheritedSockets({ LISTEN_FDS: '3', LISTEN_PID: '100', LISTEN_FDNAMES: 'metrics:http:admin' }, 100, 1);
  assert.equal(got?.http, 4);
  assert.throws(
    () => takeInheritedSockets({ LISTEN_FDS: '2', LISTEN_PID: '100', LISTEN_FDNAMES: 'a:b' }, 100, 1),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /2 sockets were passed .* none is named http: name the HTTP one with FileDescriptorName=http/);
      return true;
    },
  );
});

test('a handover: OSLO_HANDOVER names our parent; the unix sockets come with their paths', () => {
  const handover = {
    from: 7,
    paths: { embedded: '/run/x/embedded.sock', control: '/run/x/control.sock' },
    address: { address: '127.0.0.1', port: 8080 },
    activated: false,
  };
  const env: NodeJS.ProcessEnv = { LISTEN_FDS: '3', LISTEN_FDNAMES: 'http:embedded:control', [HANDOVER_ENV]: JSON.stringify(handover) };
  const got = takeInheritedSockets(env, 100, 7);
  assert.equal(got?.source, 'handover');
  assert.equal(got?.from, 7);
  assert.equal(got?.http, 3);
  assert.deepEqual(got?.address, { address: '127.0.0.1', port: 8080 });
  assert.equal(got?.activated, false);
  assert.deepEqual(
    [...got!.unix],
    [
      ['embedded', { fd: 4, path: '/run/x/embedded.sock' }],
      ['control', { fd: 5, path: '/run/x/control.sock' }],
    ],
  );
  assert.deepEqual(env, {});
  // The same variables seen by a grandchild (another parent): not ours.
  assert.equal(takeInheritedSockets({ LISTEN_FDS: '1', [HANDOVER_ENV]: JSON.stringify(handover) }, 100, 8), undefined);
});
