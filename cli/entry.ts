// The bundle's entry point (dist/kiln.mjs), run by bin/kiln.js.
import { main } from './main.js';

/** What a shell reports for a process ended by SIGPIPE (128 + 13). */
const CLOSED_PIPE_EXIT = 141;

// `kiln runs | head`: a reader that stops reading is not an error, and no stack trace is owed
// to it. Stop at once and quietly, as a Unix tool does on SIGPIPE (which Node ignores).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(CLOSED_PIPE_EXIT);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`kiln: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
