/**
 * oslo.messaging's `version_is_compatible`: the one rule that checks endpoint versions,
 * the envelope version and a client's version cap (docs/protocol/versions.md, "The version rule").
 */

type Parsed = readonly [number, number, number] | undefined;

// Every message checks its envelope version ("2.0") and often a target version: the same few
// strings, parsed once. Bounded, because versions also come from untrusted messages.
const parsedVersions = new Map<string, Parsed>();
const PARSED_VERSIONS_MAX = 256;

function parseVersion(version: string): Parsed {
  let parsed = parsedVersions.get(version);
  if (parsed === undefined && !parsedVersions.has(version)) {
    if (parsedVersions.size >= PARSED_VERSIONS_MAX) parsedVersions.clear();
    parsed = parseVersionText(version);
    parsedVersions.set(version, parsed);
  }
  return parsed;
}

/** Parse "major.minor[.revision]" into numbers; undefined when malformed (Python's int() would raise). */
function parseVersionText(version: string): Parsed {
  const parts = version.split('.');
  if (parts.length < 2) return undefined;
  const numbers: number[] = [];
  for (const part of parts.slice(0, 3)) {
    const trimmed = part.trim();
    if (!/^[+]?\d{1,9}$/.test(trimmed)) return undefined;
    numbers.push(Number(trimmed));
  }
  return [numbers[0]!, numbers[1]!, numbers[2] ?? 0];
}

/**
 * True when a server implementing `implemented` can serve a request for `requested`.
 * An unset implemented version accepts anything; an unset requested version is refused;
 * majors must match, the requested minor must not exceed the implemented one, and on equal
 * minors the requested revision must not exceed the implemented one. Malformed versions are
 * refused (oslo raises ValueError there).
 */
export function versionIsCompatible(implemented: string | null | undefined, requested: string | null | undefined): boolean {
  if (implemented === null || implemented === undefined) return true;
  if (requested === null || requested === undefined) return false;
  const imp = parseVersion(implemented);
  const req = parseVersion(requested);
  if (!imp || !req) return false;
  if (req[0] !== imp[0]) return false;
  if (req[1] > imp[1]) return false;
  if (req[1] === imp[1] && req[2] > imp[2]) return false;
  return true;
}
