#!/usr/bin/env node
// `kiln` runs the bundled CLI; `npm run build` (or `make build`) makes dist/kiln.cjs. CommonJS (see
// bin/package.json), as the launcher it requires: Node's ES module loader costs ≈ 9 ms of every start.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const launcher = join(__dirname, '..', 'dist', 'kiln.cjs');
if (!existsSync(launcher)) {
  process.stderr.write('kiln: dist/kiln.cjs is missing: run `npm run build` (or `make build`) first\n');
  process.exit(2);
}
require(launcher);
