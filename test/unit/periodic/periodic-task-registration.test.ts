import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  collectPeriodicTasks,
  DEFAULT_SPACING,
  periodicTask,
  registerPeriodicTask,
  type PeriodicTaskArgs,
} from '../../../src/periodic/periodic-task.js';

class BaseManager {
  calls: string[] = [];

  @periodicTask({ spacingSeconds: 10, runImmediately: true })
  report(_args: PeriodicTaskArgs): void {
    this.calls.push('base.report');
  }

  @periodicTask({ name: 'cleanup-tmp', runOn: 'one-worker', pool: 'digest' })
  cleanup(): void {
    this.calls.push('base.cleanup');
  }

  notATask(): void {}
}

class ChildManager extends BaseManager {
  @periodicTask({ spacingSeconds: 5 })
  extra(): void {
    this.calls.push('child.extra');
  }

  // Overridden without a decorator: the body changes, the schedule stays.
  override cleanup(): void {
    this.calls.push('child.cleanup');
  }
}

const args = (): PeriodicTaskArgs => ({ signal: new AbortController().signal, ctx: undefined, offload: async () => undefined as never });

test('decorated methods become specs with oslo defaults, in declaration order', () => {
  const specs = collectPeriodicTasks(new BaseManager());
  assert.deepEqual(
    specs.map(({ run: _run, ...rest }) => rest),
    [
      { name: 'report', methodName: 'report', spacing: 10, runImmediately: true, enabled: true, runOn: 'every-worker', pool: undefined },
      {
        name: 'cleanup-tmp',
        methodName: 'cleanup',
        spacing: DEFAULT_SPACING,
        runImmediately: false,
        enabled: true,
        runOn: 'one-worker',
        pool: 'digest',
      },
    ],
  );
});

test('a subclass inherits its parent tasks and the parent does not see the child tasks', async () => {
  const child = new ChildManager();
  const childSpecs = collectPeriodicTasks(child);
  assert.deepEqual(
    childSpecs.map((spec) => spec.name),
    ['report', 'cleanup-tmp', 'extra'],
  );
  assert.deepEqual(
    collectPeriodicTasks(new BaseManager()).map((spec) => spec.name),
    ['report', 'cleanup-tmp'],
  );
  for (const spec of childSpecs) await spec.run(args());
  assert.deepEqual(child.calls, ['base.report', 'child.cleanup', 'child.extra']);
});

test('run() is bound to the instance it was collected from', async () => {
  const first = new BaseManager();
  const second = new BaseManager();
  const [report] = collectPeriodicTasks(first);
  await report?.run(args());
  assert.deepEqual(first.calls, ['base.report']);
  assert.deepEqual(second.calls, []);
});

test('registerPeriodicTask on a class applies to every instance, on an instance to that one only', () => {
  class Plain {
    tick(): void {}
    tock(): void {}
  }
  registerPeriodicTask(Plain, 'tick', { spacingSeconds: 3 });
  const special = new Plain();
  registerPeriodicTask(special, 'tock', { enabled: false });
  assert.deepEqual(
    collectPeriodicTasks(new Plain()).map((spec) => spec.name),
    ['tick'],
  );
  assert.deepEqual(
    collectPeriodicTasks(special).map((spec) => [spec.name, spec.spacing, spec.enabled]),
    [
      ['tick', 3, true],
      ['tock', DEFAULT_SPACING, false],
    ],
  );
});

test('spacing, the deprecated name of spacingSeconds, still sets the seconds; both names differing is refused', () => {
  class Old {
    @periodicTask({ spacing: 7 })
    decorated(): void {}
    registered(): void {}
    both(): void {}
  }
  registerPeriodicTask(Old, 'registered', { spacing: 11 });
  registerPeriodicTask(Old, 'both', { spacingSeconds: 13, spacing: 13 });
  assert.deepEqual(
    collectPeriodicTasks(new Old()).map((spec) => [spec.name, spec.spacing]),
    [
      ['registered', 11],
      ['both', 13],
      ['decorated', 7],
    ],
  );
  assert.throws(() => registerPeriodicTask(Old, 'both', { spacingSeconds: 5, spacing: 6 }), {
    code: 'ERR_PERIODIC_TASK_INVALID',
    message: /spacingSeconds \(5\) and its deprecated name spacing \(6\) differ/,
  });
});

test('bad registrations fail at once with ERR_PERIODIC_TASK_INVALID', () => {
  class Plain {
    tick(): void {}
  }
  const invalid = { code: 'ERR_PERIODIC_TASK_INVALID' };
  assert.throws(() => registerPeriodicTask(Plain, 'missing'), invalid);
  assert.throws(() => registerPeriodicTask(Plain, 'tick', { spacingSeconds: Number.NaN }), invalid);
  assert.throws(() => registerPeriodicTask(Plain, 'tick', { pool: '../etc/passwd' }), invalid);
  assert.throws(() => registerPeriodicTask(Plain, 'tick', { pool: 'digest.js' }), invalid);
  assert.throws(() => registerPeriodicTask(Plain, 'tick', { pool: new URL('https://example.com/task.js') }), invalid);
  assert.throws(() => registerPeriodicTask(Plain, 'tick', { runOn: 'all' as never }), invalid);
  assert.throws(
    () => periodicTask({ name: '' })(() => undefined, { name: 'x', static: false, addInitializer: () => undefined } as never),
    invalid,
  );
  // Legacy experimentalDecorators call shape: (prototype, key, descriptor).
  assert.throws(() => (periodicTask() as unknown as (...args: unknown[]) => void)(Plain.prototype, 'tick', {}), {
    code: 'ERR_PERIODIC_TASK_INVALID',
    message: /standard decorators/,
  });
});

test('two tasks with one name are refused at collection', () => {
  class Twice {
    @periodicTask({ name: 'same' })
    one(): void {}

    @periodicTask({ name: 'same' })
    two(): void {}
  }
  assert.throws(() => collectPeriodicTasks(new Twice()), { code: 'ERR_PERIODIC_TASK_INVALID', message: /same/ });
});

test('private methods can be periodic tasks', async () => {
  class Secret {
    hits = 0;

    @periodicTask({ spacingSeconds: 1 })
    #poke(): void {
      this.hits += 1;
    }

    pokeNow(): void {
      this.#poke();
    }
  }
  const secret = new Secret();
  const [spec] = collectPeriodicTasks(secret);
  assert.equal(spec?.name, '#poke');
  await spec?.run(args());
  assert.equal(secret.hits, 1);
});
