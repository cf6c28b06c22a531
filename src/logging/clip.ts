/**
 * Values from peers in log lines, cut short: a malformed message's field is logged to say what
 * was wrong, not whole (three notifications with a 4 MiB priority made 12.5 MB of stderr,
 * issue 27, 9).
 */

/** Longest peer value a log line quotes. */
export const LOGGED_VALUE_MAX = 64;

/** `text` when short enough, else its first `max` characters and how long it was. */
export function clipForLog(text: string, max = LOGGED_VALUE_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
