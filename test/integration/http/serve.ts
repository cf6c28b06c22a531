/**
 * Test harness: an HttpService fed by a plain `net` server on 127.0.0.1:0 that accepts paused
 * sockets and hands them over, as the launcher does across IPC. Log lines are captured.
 */
import type { RequestListener } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { HttpService } from '../../../src/http/http-service.js';

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Served {
  port: number;
  service: HttpService;
  feeder: Server;
  logs: LogRecord[];
}

/** The default configuration with `overrides` applied. */
export function testConfig(overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const { config } = loadConfig([], {});
  return Object.freeze({ ...config, ...overrides }) as Config;
}

/** Start an HttpService for `app` with `overrides`; stopped and closed after the test. */
export async function serve(t: TestContext, app: RequestListener, overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<Served> {
  const logs: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) });
  const service = new HttpService({ config: testConfig(overrides), logger, app });
  t.after(() => service.stop({ timeoutMs: 200 }));
  await service.start();
  const feeder = createServer({ pauseOnConnect: true }, (socket) => service.handleConnection(socket));
  t.after(() => feeder.close());
  await new Promise<void>((resolve) => feeder.listen(0, '127.0.0.1', resolve));
  const address = feeder.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, service, feeder, logs };
}

/** A raw TCP client that collects everything the server sends and notes when it closes. */
export class RawClient {
  readonly socket: Socket;
  data = '';
  closed = false;
  readonly closedAt: Promise<number>;
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.data += chunk;
      this.#wake();
    });
    socket.on('error', () => undefined);
    this.closedAt = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.#wake();
        resolve(performance.now());
      }),
    );
  }

  /** Connect to 127.0.0.1:port; destroyed after the test. */
  static async open(t: TestContext, port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Resolve when `predicate` holds for the collected data (or the close), failing after `timeoutMs`. */
  async waitFor(predicate: (client: RawClient) => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.data.slice(0, 300))}, closed=${this.closed}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Number of complete status lines received so far. */
  responses(): number {
    return (this.data.match(/HTTP\/1\.1 \d{3} /g) ?? []).length;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A minimal GET request. */
export function get(path = '/', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;
}

/** An app that answers "hello" with a Content-Length. */
export const hello: RequestListener = (_req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Content-Length', 5);
  res.end('hello');
};
