/**
 * docs/api.md lists what each entry point exports; the protocol helpers live in
 * `oslo-node/protocol`, not in the root. Both entry points are imported by their package names,
 * through package.json "exports", as a user's program does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const ROOT = new URL('../../../../', import.meta.url);
const page = readFileSync(new URL('docs/api.md', ROOT), 'utf8');
const [rootPart = '', protocolPart = ''] = page.split('## `oslo-node/protocol`');

/** The names in the first column of the page's tables. */
function listed(part: string): Set<string> {
  const cells = part
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1] ?? '');
  return new Set(cells.flatMap((cell) => [...cell.matchAll(/`(\w+)`/g)].map((match) => match[1]!)));
}

/** Imported by a computed name: resolved at runtime through package.json "exports". */
async function exportsOf(specifier: string): Promise<string[]> {
  return Object.keys((await import(specifier)) as object).sort();
}

test('every runtime export of oslo-node is listed in docs/api.md, and only those', async () => {
  assert.deepEqual(await exportsOf('oslo-node'), [...listed(rootPart)].sort());
});

test('every runtime export of oslo-node/protocol is listed under it, and none of them is in the root', async () => {
  const protocol = await exportsOf('oslo-node/protocol');
  assert.deepEqual(protocol, [...listed(protocolPart)].sort());
  for (const name of ['packContext', 'findRpcMethod', 'RPC_BASE', 'encodeEnvelope']) assert.ok(protocol.includes(name), name);
  const root = new Set(await exportsOf('oslo-node'));
  assert.deepEqual(
    protocol.filter((name) => root.has(name)),
    [],
  );
});
