/** A pino logger whose JSON lines a test can read back. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** `lines`: every line written, parsed; `raw`: as written (to check what a log line shows). */
export function captureLogger(level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>>; raw: string[] } {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines, raw };
}
