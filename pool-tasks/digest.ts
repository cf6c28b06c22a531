/**
 * Pool task: the demo's CPU-heavy periodic work. Hashes `mebibytes` MiB of generated data with
 * sha256, one MiB at a time. Runs in a piscina thread (default export, no sockets); the same
 * function can run inline, where a `signal` stops it between chunks.
 */
import { createHash } from 'node:crypto';
import { lowerThreadPriority } from '../src/periodic/thread-priority.js';

export interface DigestInput {
  /** MiB to hash, 1..4096. */
  mebibytes: number;
  /** Seed of the generated data; same seed and size, same digest. Default 1. */
  seed?: number;
}

export interface DigestResult {
  mebibytes: number;
  /** sha256, hex. */
  digest: string;
  /** Time spent hashing, in ms. */
  ms: number;
}

const MEBIBYTE = 1 << 20;

/** Hash `input.mebibytes` MiB; throws RangeError on a bad size, the signal's reason on abort. */
export default function digest(input: DigestInput, signal?: unknown): DigestResult {
  lowerThreadPriority();
  const started = performance.now();
  const { mebibytes, seed = 1 } = input;
  if (!Number.isInteger(mebibytes) || mebibytes < 1 || mebibytes > 4096) {
    throw new RangeError(`digest: mebibytes must be an integer in 1..4096, got ${String(mebibytes)}`);
  }
  const chunk = Buffer.allocUnsafe(MEBIBYTE);
  let state = seed >>> 0 || 1;
  for (let offset = 0; offset < MEBIBYTE; offset += 4) {
    // xorshift32: cheap, deterministic filler so the digest is reproducible.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    chunk.writeUInt32LE(state >>> 0, offset);
  }
  const hash = createHash('sha256');
  for (let index = 0; index < mebibytes; index += 1) {
    if (signal instanceof AbortSignal) signal.throwIfAborted();
    chunk.writeUInt32LE(index, 0);
    hash.update(chunk);
  }
  return { mebibytes, digest: hash.digest('hex'), ms: performance.now() - started };
}
