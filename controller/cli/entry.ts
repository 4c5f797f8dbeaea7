// The bundle's entry point (dist/kiln.mjs), run by bin/kiln.js.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`kiln: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
