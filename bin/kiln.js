#!/usr/bin/env node
// `kiln` runs the bundled CLI; `npm run build` (or `make build`) makes dist/kiln.mjs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/kiln.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('kiln: dist/kiln.mjs is missing: run `npm run build` (or `make build`) first\n');
  process.exit(2);
}
await import(bundle);
