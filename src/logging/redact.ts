/** Hiding secrets before they reach a log line. */

// scheme://netloc, where an oslo netloc may list several `user:pass@host:port` hosts.
const URL_NETLOC = /([a-z][a-z0-9+.-]*:\/\/)([^/\s?#]*)/gi;
const HOST_PASSWORD = /^([^:@]*):.*@/; // greedy: a raw @ inside the password stays hidden

/** Replace the password of every URL (and of every host of a multi-host URL) with `***`. */
export function redactUrlPasswords(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_NETLOC, (_match, scheme: string, netloc: string) => {
    const hosts = netloc.split(',').map((host) => host.replace(HOST_PASSWORD, '$1:***@'));
    return scheme + hosts.join(',');
  });
}

/** pino redact censor: masks URL passwords in strings, hides anything else completely. */
export function censor(value: unknown): unknown {
  return typeof value === 'string' ? redactUrlPasswords(value) : '[Redacted]';
}
