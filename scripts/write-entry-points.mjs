// Writes dist/launcher.js, dist/rpc.js and dist/ctl.js: the documented entry points, thin shims over the
// compiled modules (tsc keeps the src/ prefix because tests and workers compile in the same tree).
import { chmodSync, writeFileSync } from 'node:fs';

for (const [entry, target] of [
  ['launcher', 'src/launcher.js'],
  ['rpc', 'src/rpc-cli.js'],
  ['ctl', 'src/ctl.js'],
]) {
  const file = new URL(`../dist/${entry}.js`, import.meta.url);
  writeFileSync(file, `#!/usr/bin/env node\nimport './${target}';\n`);
  chmodSync(file, 0o755);
}
