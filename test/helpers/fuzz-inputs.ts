/**
 * Bad input for the fault suite: malformed oslo.messaging envelopes (as raw AMQP bodies) and
 * malformed or oversized HTTP requests (as raw bytes), generated deterministically from a seed
 * so a failure can be replayed.
 */

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const WEIRD_VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1e308,
  '',
  'x',
  [],
  {},
  [1, [2, [3]]],
  true,
  { __proto__: { polluted: true } },
  '\u0000\uffff',
  'é'.repeat(100),
];
/** Method names that must never be dispatched: prototype, base-class and private names. */
const HOSTILE_METHODS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  '__lookupSetter__',
  'initHost',
  'cleanupHost',
  'reset',
  '_digestTask',
  'context',
  'target',
  'then',
  '',
  ' ',
  'echo\u0000',
  'a'.repeat(10_000),
];
/** Harmless demo methods (never `sleep` or `digest`: they would hold workers busy on purpose). */
const SAFE_METHODS: readonly string[] = ['echo', 'ping', 'add', 'fail'];

function wrap(message: unknown, version: unknown = '2.0'): string {
  return JSON.stringify({ 'oslo.version': version, 'oslo.message': typeof message === 'string' ? message : JSON.stringify(message) });
}

/** Body number `n` of the AMQP fuzz: about 1 in 500 is a large (`bigBytes`) payload. */
export function fuzzEnvelope(random: () => number, n: number, bigBytes: number, replyQueue: string): Buffer | string {
  if (n % 500 === 499) {
    const huge = 'x'.repeat(bigBytes);
    return n % 1000 === 999 ? huge : wrap({ method: 'echo', args: { value: huge }, _unique_id: `big${n}` });
  }
  const weird = (): unknown => pick(random, WEIRD_VALUES);
  switch (n % 16) {
    case 0:
      return Buffer.from(Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
    case 1:
      return pick(random, ['42', '[]', 'null', '"str"', '{', '{"oslo.version":', 'true', '{}', '\u0000']);
    case 2:
      return wrap({ method: 'echo', args: { value: 1 } }, pick(random, ['3.0', '1.0', 2, null, '', [], '2.0.0']));
    case 3:
      return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': { method: 'echo', args: { value: 1 } } });
    case 4:
      return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': pick(random, ['not json', '{', '[1,2]', '42', 'null', '"s"']) });
    case 5:
      return wrap({ method: weird(), args: { value: 1 } });
    case 6:
      return wrap({ method: pick(random, HOSTILE_METHODS), args: {}, _msg_id: `m${n}`, _reply_q: replyQueue, _unique_id: `u${n}` });
    case 7:
      return wrap({ method: pick(random, SAFE_METHODS), args: weird() });
    case 8:
      return wrap({ method: 'echo', args: { value: n }, version: weird(), namespace: weird() });
    case 9:
      return wrap({
        method: 'add',
        args: { a: weird(), b: weird() },
        _context_user: weird(),
        _context_request_id: weird(),
        _unique_id: weird(),
      });
    case 10:
      return wrap({ method: 'echo', args: { value: n }, _msg_id: weird(), _reply_q: weird(), _timeout: weird() });
    case 11:
      return wrap({ method: 'echo', args: { value: n }, _msg_id: `gone${n}`, _reply_q: `reply_missing_${n % 7}` });
    case 12:
      return wrap('['.repeat(5000) + ']'.repeat(5000));
    case 13:
      return wrap({
        method: 'echo',
        args: JSON.parse(`{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}, "value": ${n}}`) as unknown,
      });
    case 14:
      return `{"oslo.version": "2.0", "oslo.message": ${JSON.stringify(JSON.stringify({ method: 'echo', args: { value: n } }).slice(0, 20))}}`;
    default:
      return wrap({
        method: pick(random, SAFE_METHODS),
        args: { value: n, a: 1, b: 2, message: 'fuzz' },
        _msg_id: `ok${n}`,
        _reply_q: replyQueue,
      });
  }
}

/** What one raw HTTP fuzz connection sends. */
export interface RawHttpCase {
  readonly kind: string;
  readonly bytes: Buffer;
  /** Half-close after sending (false: leave the write side open, as a slow client would). */
  readonly end: boolean;
}

/** Connection number `n` of the HTTP fuzz. */
export function fuzzHttp(random: () => number, n: number): RawHttpCase {
  const c = (kind: string, text: string | Buffer, end = true): RawHttpCase => ({
    kind,
    bytes: typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
    end,
  });
  if (n % 200 === 150) {
    const body = '"'.repeat(2 * 1024 * 1024);
    return c(
      'oversized body',
      `POST /v1/rpc/echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  if (n % 100 === 99) return c('half a request, then silence', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', false);
  switch (n % 13) {
    case 0:
      return c(
        'bad request line',
        pick(random, [
          'GARBAGE\r\n\r\n',
          'GET\r\n\r\n',
          'GET / HTTP/9.9\r\n\r\n',
          ' / HTTP/1.1\r\n\r\n',
          'GET /\r\n\r\n',
          'G\u00e9T / HTTP/1.1\r\nHost: x\r\n\r\n',
        ]),
      );
    case 1:
      return c('random bytes', Buffer.from(Array.from({ length: 1 + Math.floor(random() * 400) }, () => Math.floor(random() * 256))));
    case 2:
      return c(
        'huge header line',
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000 + Math.floor(random() * 20_000))}\r\n\r\n`,
      );
    case 3:
      return c('huge request target', `GET /${'p'.repeat(9000 + Math.floor(random() * 20_000))} HTTP/1.1\r\nHost: x\r\n\r\n`);
    case 4:
      return c('too many headers', `GET /healthz HTTP/1.1\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`);
    case 5:
      return c(
        'bad content-length',
        `POST /v1/rpc/echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${pick(random, ['abc', '-1', '1e3', '99999999999999999999', '5, 6'])}\r\n\r\n{"value":1}`,
      );
    case 6:
      return c(
        'length and chunked',
        'POST /v1/rpc/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      );
    case 7:
      return c(
        'chunked garbage',
        `POST /v1/rpc/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${pick(random, ['zz\r\nabc\r\n', 'ffffffffffff\r\n', '5\r\nabc\r\n0\r\n\r\n', '-1\r\n'])}`,
      );
    case 8:
      return c('bad json body', `POST /v1/rpc/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{"value":`);
    case 9:
      return c(
        'body longer than declared',
        `POST /v1/rpc/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{"value": 1}GARBAGE / HTTP/1.1\r\n\r\n`,
      );
    case 10:
      return c('bad header bytes', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\nX\u0001Y: z\r\n\r\n`);
    case 11:
      return c('tls hello on plain http', Buffer.from('16030100a5010000a103035b', 'hex'));
    default:
      return c('pipelined then gone', 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20));
  }
}
