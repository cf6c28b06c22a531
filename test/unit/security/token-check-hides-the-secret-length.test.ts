// Issue 14, item 8: the admin token compare returned early on a length mismatch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTokenCheck } from '../../../src/security/token-check.js';

test('a token check accepts the token only, whatever the length of the guess', () => {
  const check = createTokenCheck('Bearer s3cret-token');
  assert.equal(check('Bearer s3cret-token'), true);
  for (const guess of ['', 'Bearer', 'Bearer s3cret-tokeN', 'Bearer s3cret-token ', 'x'.repeat(10_000)])
    assert.equal(check(guess), false, guess);
});

/** Fastest of `runs` calls of each function, interleaved (noise from a busy machine only adds time). */
function fastestNanos(fns: ReadonlyArray<() => void>, runs: number): number[] {
  const best = fns.map(() => Infinity);
  for (let i = 0; i < runs; i++) {
    fns.forEach((fn, index) => {
      const start = process.hrtime.bigint();
      fn();
      best[index] = Math.min(best[index]!, Number(process.hrtime.bigint() - start));
    });
  }
  return best;
}

test('a wrong guess one byte short of the secret costs what a wrong guess of its exact length costs', () => {
  // A large secret makes a byte-wise compare visible: with an early return on the length, the
  // short guess would be about free and the same-length one would scan a mebibyte.
  const secret = 'a'.repeat(1 << 20);
  const check = createTokenCheck(secret);
  const short = 'b'.repeat((1 << 20) - 1);
  const sameLength = 'b'.repeat(1 << 20);
  for (let i = 0; i < 5; i++) check(short), check(sameLength);
  const [shortNs, sameNs] = fastestNanos([() => check(short), () => check(sameLength)], 61);
  const ratio = shortNs! / sameNs!;
  assert.ok(ratio > 0.75 && ratio < 1.33, `short/same-length time ratio ${ratio.toFixed(2)}`);
});
