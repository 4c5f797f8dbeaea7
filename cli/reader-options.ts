// The flags every history-reading command shares (runs, logs, search).
import type { Command } from 'commander';
import { connectReader, type RunReader } from '../collector/index.js';

export function withReaderOptions(cmd: Command): Command {
  return cmd
    .option('--collector <url>', 'collector base URL (default: $KILN_COLLECTOR, else the local store)')
    .option('--token <token>', 'reader token (default: $KILN_TOKEN)')
    .option(
      '--db <url>',
      'local store when no collector is named (default: $KILN_DATABASE_URL or sqlite:.kiln/kiln.db)',
    );
}

/** Opens the reader the flags name, runs fn, and closes it. */
export async function withReader<T>(
  opts: { collector?: string; token?: string; db?: string },
  fn: (r: RunReader) => Promise<T>,
): Promise<T> {
  const reader = await connectReader(opts);
  try {
    return await fn(reader);
  } finally {
    await reader.close?.();
  }
}

/** Writes lines to stdout with back-pressure (a closed pipe is cli/entry.ts's to handle). */
export function stdoutLineWriter(): (text: string) => Promise<void> | undefined {
  return (text) =>
    process.stdout.write(text + '\n') ? undefined : new Promise((r) => process.stdout.once('drain', () => r()));
}
