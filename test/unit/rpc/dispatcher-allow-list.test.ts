import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RPC_BASE, RpcDispatcher, findRpcMethod } from '../../../src/rpc/dispatcher.js';
import { NoSuchMethod, UnsupportedVersion } from '../../../src/rpc/errors.js';

class Base {
  static [RPC_BASE] = true;
  initHost(): string {
    return 'hook';
  }
  shared(): string {
    return 'base';
  }
}

class Middle extends Base {
  inherited(): string {
    return 'middle';
  }
}

class Manager extends Middle {
  value = 42;
  ownArrow = (): string => 'arrow';
  echo(_ctx: unknown, args: Record<string, unknown>): unknown {
    return args.value;
  }
  _private(): string {
    return 'private';
  }
  get status(): string {
    return 'getter';
  }
  set writable(_v: string) {}
}

const manager = new Manager();

test('public prototype methods, including those of an unmarked parent class, are callable', () => {
  assert.equal(typeof findRpcMethod(manager, 'echo'), 'function');
  assert.equal(typeof findRpcMethod(manager, 'inherited'), 'function');
});

test('methods of an RPC_BASE-marked class and above are never callable', () => {
  assert.equal(findRpcMethod(manager, 'initHost'), undefined);
  assert.equal(findRpcMethod(manager, 'shared'), undefined);
  assert.equal(findRpcMethod(new Base(), 'initHost'), undefined);
});

test('a subclass overriding a hook of a marked base does not make it callable', () => {
  class Overrider extends Manager {
    override initHost(): string {
      return 'overridden hook';
    }
    override shared(): string {
      return 'overridden';
    }
  }
  const overrider = new Overrider();
  assert.equal(findRpcMethod(overrider, 'initHost'), undefined);
  assert.equal(findRpcMethod(overrider, 'shared'), undefined);
  assert.equal(typeof findRpcMethod(overrider, 'echo'), 'function');
});

test('private, constructor, accessors, fields and Object.prototype names are refused', () => {
  for (const name of [
    '_private',
    'constructor',
    'status',
    'writable',
    'value',
    'ownArrow',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'isPrototypeOf',
    '__defineGetter__',
    'propertyIsEnumerable',
    'toLocaleString',
    '',
    'missing',
  ]) {
    assert.equal(findRpcMethod(manager, name), undefined, name);
  }
});

test('an accessor is refused without being invoked', () => {
  let invoked = false;
  class Sneaky {
    get trap(): () => void {
      invoked = true;
      return () => undefined;
    }
  }
  assert.equal(findRpcMethod(new Sneaky(), 'trap'), undefined);
  assert.equal(invoked, false);
});

test('plain-object endpoints expose their own functions only', () => {
  const endpoint = {
    echo: (_c: unknown, a: Record<string, unknown>) => a.value,
    data: 1,
    get g() {
      return () => 1;
    },
  };
  assert.equal(typeof findRpcMethod(endpoint, 'echo'), 'function');
  for (const name of ['data', 'g', 'toString', 'hasOwnProperty', '__proto__', 'constructor']) {
    assert.equal(findRpcMethod(endpoint, name), undefined, name);
  }
  const bare = Object.assign(Object.create(null) as object, { ping: () => 'pong' });
  assert.equal(typeof findRpcMethod(bare, 'ping'), 'function');
});

test('dispatch calls method(ctx, args) with the endpoint as this', async () => {
  const dispatcher = new RpcDispatcher([manager]);
  const ctx = { request_id: 'req-1' };
  assert.equal(await dispatcher.dispatch(ctx, { method: 'echo', args: { value: 7 }, namespace: null, version: '1.0' }), 7);
  const seen: unknown[] = [];
  const endpoint = {
    record(this: unknown, c: unknown, a: unknown) {
      seen.push(this, c, a);
      return 'ok';
    },
  };
  await new RpcDispatcher([endpoint]).dispatch(ctx, { method: 'record', args: { a: 1 }, namespace: null, version: '1.0' });
  assert.deepEqual(seen, [endpoint, ctx, { a: 1 }]);
});

test('hidden methods give NoSuchMethod with oslo text; namespace and version mismatches give UnsupportedVersion', async () => {
  const versioned = { target: { version: '1.3' }, echo: () => 'v' };
  const namespaced = { target: { namespace: 'ns', version: '2.0' }, other: () => 'ns' };
  const dispatcher = new RpcDispatcher([versioned, namespaced]);
  const call = (method: string, version: string | null, namespace: string | null = null) =>
    dispatcher.dispatch({}, { method, args: {}, namespace, version });

  await assert.rejects(
    call('toString', '1.0'),
    (e: unknown) => e instanceof NoSuchMethod && e.message === 'Endpoint does not support RPC method toString',
  );
  await assert.rejects(call('__proto__', '1.0'), NoSuchMethod);
  await assert.rejects(call('target', '1.0'), NoSuchMethod);
  await assert.rejects(
    call('echo', '1.4'),
    (e: unknown) => e instanceof UnsupportedVersion && e.message === 'Endpoint does not support RPC version 1.4. Attempted method: echo',
  );
  await assert.rejects(call('echo', null), (e: unknown) => e instanceof UnsupportedVersion && e.version === 'None');
  await assert.rejects(call('echo', '1.0', 'other-ns'), UnsupportedVersion);
  assert.equal(await call('echo', '1.3'), 'v');
  assert.equal(await call('other', '2.0', 'ns'), 'ns');
  // The namespace matches but the method is elsewhere: NoSuchMethod, not UnsupportedVersion.
  await assert.rejects(call('echo', '2.0', 'ns'), NoSuchMethod);
});

test('an endpoint without a target serves version 1.x up to 1.0 in the null namespace', async () => {
  const dispatcher = new RpcDispatcher([{ ping: () => 'pong' }]);
  assert.equal(await dispatcher.dispatch({}, { method: 'ping', args: {}, namespace: null, version: '1.0' }), 'pong');
  await assert.rejects(dispatcher.dispatch({}, { method: 'ping', args: {}, namespace: null, version: '1.1' }), UnsupportedVersion);
});
