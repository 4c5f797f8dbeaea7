// Generates contract/log-wire/gen/kiln.{js,d.ts} from contract/log-wire/kiln.proto with protobufjs-cli (static code: the
// agent bundles only protobufjs/minimal, no reflection or runtime .proto parsing).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';

const src = 'contract/log-wire/kiln.proto';
const js = 'contract/log-wire/gen/kiln.js';
const dts = 'contract/log-wire/gen/kiln.d.ts';

export function genProto({ force = false } = {}) {
  if (!force && existsSync(js) && existsSync(dts) && statSync(js).mtimeMs >= statSync(src).mtimeMs) return false;
  const bin = (name) => `node_modules/protobufjs-cli/bin/${name}`;
  execFileSync(
    'node',
    [
      bin('pbjs'),
      '-t',
      'static-module',
      '-w',
      'es6',
      '--no-verify',
      '--no-delimited',
      '--no-typeurl',
      '--force-number',
      src,
      '-o',
      js,
    ],
    { stdio: 'inherit' },
  );
  // Node's ESM loader wants the file name of a package subpath that has no exports map, and
  // protobufjs/minimal is CommonJS whose named exports Node cannot see: import its default.
  writeFileSync(
    js,
    readFileSync(js, 'utf8')
      .replace('import * as $protobuf from "protobufjs/minimal"', 'import $protobuf from "protobufjs/minimal"')
      .replace('"protobufjs/minimal"', '"protobufjs/minimal.js"'),
  );
  execFileSync('node', [bin('pbts'), '-o', dts, js], { stdio: 'inherit' });
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) genProto({ force: true });
