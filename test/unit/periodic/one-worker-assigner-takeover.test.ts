import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OneWorkerAssigner } from '../../../src/periodic/assignment.js';

const plain = (owners: Map<number, string[]>): Record<number, string[]> => Object.fromEntries(owners);

test('each task goes to exactly one slot, the lowest registered', () => {
  const assigner = new OneWorkerAssigner();
  assert.deepEqual(plain(assigner.register(2, ['audit', 'digest'])), { 2: ['audit', 'digest'] });
  assert.deepEqual(plain(assigner.register(0, ['audit', 'digest'])), { 0: [], 2: ['audit', 'digest'] }, 'the owner keeps its tasks');
  assert.deepEqual(plain(assigner.register(1, ['audit', 'digest', 'only-one'])), { 0: [], 1: ['only-one'], 2: ['audit', 'digest'] });
});

test('when the owner goes, the lowest remaining slot that declares the task takes over', () => {
  const assigner = new OneWorkerAssigner();
  assigner.register(1, ['digest']);
  assigner.register(2, ['digest']);
  assigner.register(3, ['digest']);
  assert.deepEqual(plain(assigner.unregister(1)), { 2: ['digest'], 3: [] });
  assert.deepEqual(plain(assigner.unregister(2)), { 3: ['digest'] });
  assert.deepEqual(plain(assigner.unregister(3)), {});
  // A restarted worker in slot 1 gets the task again.
  assert.deepEqual(plain(assigner.register(1, ['digest'])), { 1: ['digest'] });
});

test('a slot that re-registers without a task gives it up', () => {
  const assigner = new OneWorkerAssigner();
  assigner.register(0, ['a', 'b']);
  assigner.register(1, ['a', 'b']);
  assert.deepEqual(plain(assigner.register(0, ['b'])), { 0: ['b'], 1: ['a'] });
});

test('every task has exactly one owner through a random sequence of joins and exits', () => {
  const assigner = new OneWorkerAssigner();
  const tasks = ['t1', 't2', 't3'];
  const live = new Set<number>();
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let step = 0; step < 500; step += 1) {
    const slot = Math.floor(next() * 5);
    const owners = live.has(slot) ? assigner.unregister(slot) : assigner.register(slot, tasks);
    if (live.has(slot)) live.delete(slot);
    else live.add(slot);
    const owned = [...owners.values()].flat().sort();
    assert.deepEqual(owned, live.size > 0 ? tasks : [], `step ${step}`);
    assert.deepEqual([...owners.keys()].sort(), [...live].sort());
  }
});
