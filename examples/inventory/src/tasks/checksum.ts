/**
 * A pool task of this project: runs in a piscina thread of the worker, off its event loop. A
 * pool module default-exports one function of (input) returning the result (or a promise of it).
 */
import { createHash } from 'node:crypto';

export interface ChecksumInput {
  /** The text to hash. */
  text: string;
  /** sha256 rounds over the previous digest: the CPU-heavy part. */
  rounds?: number;
}

export interface ChecksumResult {
  checksum: string;
  rounds: number;
}

export default function checksum({ text, rounds = 1 }: ChecksumInput): ChecksumResult {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 1_000_000) throw new RangeError('rounds must be an integer in 1..1000000');
  let digest = createHash('sha256').update(text).digest();
  for (let round = 1; round < rounds; round++) digest = createHash('sha256').update(digest).digest();
  return { checksum: digest.toString('hex'), rounds };
}
