/** A small endpoint class for RPC tests; `events` records casts and concurrency. */
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

export class DemoEndpoint {
  readonly target = { version: '1.3' };
  readonly events = new EventEmitter();
  active = 0;
  maxActive = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  constructor(readonly name: string) {}

  echo(_ctx: unknown, args: { value?: unknown }): unknown {
    return args.value;
  }
  add(_ctx: unknown, args: { a: number; b: number }): number {
    return args.a + args.b;
  }
  whoami(): string {
    return this.name;
  }
  context(ctx: unknown): unknown {
    return ctx;
  }
  async sleep(_ctx: unknown, args: { seconds: number }): Promise<number> {
    await delay(args.seconds * 1000);
    return args.seconds;
  }
  fail(_ctx: unknown, args: { message: string }): never {
    throw Object.assign(new Error(args.message), { name: 'DemoError' });
  }
  notify(_ctx: unknown, args: Record<string, unknown>): void {
    this.events.emit('notify', this.name, args);
  }
  /** Blocks until `openGate()`; tracks how many run at once. */
  async blocked(): Promise<string> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    this.events.emit('blocked', this.active);
    this.#gate ??= new Promise((resolve) => (this.#open = resolve));
    await this.#gate;
    this.active--;
    return this.name;
  }
  openGate(): void {
    this.#gate ??= Promise.resolve();
    this.#open?.();
  }
}
