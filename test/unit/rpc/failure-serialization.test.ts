import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessagingTimeout, NoSuchMethod, RemoteError, UnsupportedVersion } from '../../../src/rpc/errors.js';
import { deserializeFailure, serializeFailure } from '../../../src/rpc/failure.js';

test('a JS error becomes oslo failure JSON with class, module nodejs, message, tb lines and args', () => {
  class DemoError extends Error {
    override name = 'DemoError';
  }
  const failure = JSON.parse(serializeFailure(new DemoError('boom-42'))) as Record<string, unknown>;
  assert.equal(failure.class, 'DemoError');
  assert.equal(failure.module, 'nodejs');
  assert.equal(failure.message, 'boom-42');
  assert.deepEqual(failure.args, ['boom-42']);
  assert.deepEqual(failure.kwargs, {});
  const tb = failure.tb as string[];
  assert.ok(tb.every((line) => line.endsWith('\n')));
  assert.equal(tb.at(-1), 'nodejs.DemoError: boom-42\n');
});

test('TypeError goes out as builtins; a string module property is used as the module', () => {
  const type = JSON.parse(serializeFailure(new TypeError('bad kwargs'))) as Record<string, unknown>;
  assert.equal(type.module, 'builtins');
  assert.equal((type.tb as string[]).at(-1), 'TypeError: bad kwargs\n');
  const custom = Object.assign(new Error('x'), { name: 'ValueError', module: 'builtins' });
  assert.equal((JSON.parse(serializeFailure(custom)) as { module: string }).module, 'builtins');
});

test('NoSuchMethod and UnsupportedVersion carry exactly oslo class, module and message', () => {
  const nsm = JSON.parse(serializeFailure(new NoSuchMethod('nope'))) as Record<string, unknown>;
  assert.deepEqual(
    [nsm.class, nsm.module, nsm.message, nsm.args],
    [
      'NoSuchMethod',
      'oslo_messaging.rpc.dispatcher',
      'Endpoint does not support RPC method nope',
      ['Endpoint does not support RPC method nope'],
    ],
  );
  const uv = JSON.parse(serializeFailure(new UnsupportedVersion('2.0', 'echo'))) as Record<string, unknown>;
  assert.deepEqual(
    [uv.class, uv.module, uv.message],
    ['UnsupportedVersion', 'oslo_messaging.rpc.dispatcher', 'Endpoint does not support RPC version 2.0. Attempted method: echo'],
  );
});

test('thrown non-errors and hostile errors still serialize', () => {
  assert.equal((JSON.parse(serializeFailure('plain string')) as { message: string }).message, 'plain string');
  const hostile = new Error('h');
  Object.defineProperty(hostile, 'name', {
    get() {
      throw new Error('trap');
    },
  });
  assert.equal((JSON.parse(serializeFailure(hostile)) as { class: string }).class, 'Error');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.deepEqual((JSON.parse(serializeFailure(Object.assign(new Error('c'), { kwargs: cyclic }))) as { kwargs: unknown }).kwargs, {});
});

test('a Python failure becomes a RemoteError naming the remote class, module, value and traceback', () => {
  const wire = JSON.stringify({
    class: 'ValueError',
    module: 'builtins',
    message: 'boom-42',
    tb: ['Traceback\n', 'ValueError: boom-42\n'],
    args: ['boom-42'],
    kwargs: {},
  });
  const error = deserializeFailure(wire);
  assert.ok(error instanceof RemoteError);
  assert.equal(error.excType, 'ValueError');
  assert.equal(error.module, 'builtins');
  assert.equal(error.value, 'boom-42');
  assert.deepEqual(error.traceback, ['Traceback\n', 'ValueError: boom-42\n']);
  assert.equal(
    (deserializeFailure(JSON.stringify({ class: 'KeyError', module: 'exceptions', message: 'k' })) as RemoteError).module,
    'builtins',
  );
});

test('oslo NoSuchMethod, UnsupportedVersion and MessagingTimeout come back as our classes', () => {
  const round = (error: Error) => deserializeFailure(serializeFailure(error));
  const nsm = round(new NoSuchMethod('nope'));
  assert.ok(nsm instanceof NoSuchMethod && nsm.method === 'nope');
  const uv = round(new UnsupportedVersion('2.0', 'echo'));
  assert.ok(uv instanceof UnsupportedVersion && uv.version === '2.0' && uv.method === 'echo');
  assert.ok(round(new MessagingTimeout('late')) instanceof MessagingTimeout);
  const ours = round(Object.assign(new Error('demo'), { name: 'DemoError' }));
  assert.ok(ours instanceof RemoteError && ours.excType === 'DemoError' && ours.module === 'nodejs');
});

test('malformed failures become RemoteError, never throw', () => {
  for (const wire of ['not json', '[]', 'null', '{"class": 5}']) assert.ok(deserializeFailure(wire) instanceof RemoteError, wire);
});
