/**
 * oslo's `wsgi_log_format`: Python %-style named fields, compiled once into a function.
 * Supported: `%(name)s`, `%(name)d`, `%(name).Nf`, flags `-` and `0`, a width, `%%`.
 * Fields are those of eventlet.wsgi: client_ip, client_port, date_time, request_line,
 * status_code, body_length, wall_seconds.
 */
import { ConfigError, ErrorCodes } from '../errors.js';

/** The values one access-log line can show. */
export interface LogFields {
  /** Peer address, prefixed with `X-Forwarded-For,` when the header is present (as eventlet does). */
  client_ip: string;
  client_port: number;
  /** Local time as eventlet writes it: `25/Nov/2026 12:58:51`. */
  date_time: string;
  /** `METHOD target HTTP/x.y`. */
  request_line: string;
  status_code: number;
  body_length: number;
  wall_seconds: number;
}

export type LogFieldName = keyof LogFields;

/** Render the fields that a compiled format needs; fields are read lazily by name. */
export type LogFormatter = (get: (name: LogFieldName) => string | number) => string;

const FIELD_NAMES: readonly LogFieldName[] = [
  'client_ip',
  'client_port',
  'date_time',
  'request_line',
  'status_code',
  'body_length',
  'wall_seconds',
];

const TOKEN = /%(?:\((\w+)\)([-0 +#]*)(\d*)(?:\.(\d+))?([sdifr])|%)/g;

function pad(text: string, flags: string, width: number): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  return text.padStart(width, flags.includes('0') ? '0' : ' ');
}

function convert(value: string | number, type: string, precision: number | undefined): string {
  switch (type) {
    case 'd':
    case 'i':
      return String(Math.trunc(Number(value)));
    case 'f':
      return Number(value).toFixed(precision ?? 6);
    default:
      return precision === undefined ? String(value) : String(value).slice(0, precision);
  }
}

/**
 * Compile `format`.
 * @throws ConfigError (ERR_CONFIG_INVALID, option wsgi_log_format) for an unknown field or a
 *   stray `%`, so a bad format stops startup instead of failing on every request.
 */
export function compileLogFormat(format: string): LogFormatter {
  const parts: Array<string | ((get: (name: LogFieldName) => string | number) => string)> = [];
  const literal = (text: string): void => {
    if (text.includes('%')) {
      throw new ConfigError(ErrorCodes.CONFIG_INVALID, 'invalid value for option wsgi_log_format: stray % (write %% for a percent sign)', {
        option: 'wsgi_log_format',
      });
    }
    if (text) parts.push(text);
  };
  let last = 0;
  for (const match of format.matchAll(TOKEN)) {
    const [whole, name, flags = '', width = '', precision, type = 's'] = match;
    const index = match.index ?? 0;
    literal(format.slice(last, index));
    last = index + whole.length;
    if (whole === '%%') {
      parts.push('%');
      continue;
    }
    if (!FIELD_NAMES.includes(name as LogFieldName)) {
      throw new ConfigError(
        ErrorCodes.CONFIG_INVALID,
        `invalid value for option wsgi_log_format: unknown field %(${name})${type}; known: ${FIELD_NAMES.join(', ')}`,
        { option: 'wsgi_log_format' },
      );
    }
    const field = name as LogFieldName;
    const places = precision === undefined ? undefined : Number(precision);
    const minWidth = Number(width || 0);
    parts.push((get) => pad(convert(get(field), type, places), flags, minWidth));
  }
  literal(format.slice(last));
  return (get) => {
    let text = '';
    for (const piece of parts) text += typeof piece === 'string' ? piece : piece(get);
    return text;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** eventlet's `%d/%b/%Y %H:%M:%S` in local time. */
export function formatDateTime(date: Date): string {
  return `${two(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}
