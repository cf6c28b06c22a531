/** Hiding secrets before they reach a log line. */

// scheme://user:password@host → scheme://user:***@host (one or many URLs in a string).
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s,]*):([^@\s]*)@/gi;

/** Replace the password of every URL in `text` with `***`. */
export function redactUrlPasswords(text: string): string {
  return text.includes('@') ? text.replace(URL_PASSWORD, '$1:***@') : text;
}

/** pino redact censor: masks URL passwords in strings, hides anything else completely. */
export function censor(value: unknown): unknown {
  return typeof value === 'string' ? redactUrlPasswords(value) : '[Redacted]';
}
