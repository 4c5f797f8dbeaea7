// `kiln search TEXT`: log lines containing TEXT (case-insensitive), across runs or in one.
import type { Command } from 'commander';
import { withReader, withReaderOptions } from '../reader-options.js';

export function registerSearch(program: Command): void {
  withReaderOptions(program.command('search').description('search the logs').argument('<text>', 'text to look for'))
    .option('--run <run>', 'only this pipeline run')
    .option('--json', 'print the hits as JSON')
    .action(
      async (text: string, f: { run?: string; json?: boolean; collector?: string; token?: string; db?: string }) => {
        const hits = await withReader(f, (r) => r.search(text, f.run));
        if (f.json) {
          process.stdout.write(JSON.stringify(hits, null, 2) + '\n');
          return;
        }
        for (const h of hits) process.stdout.write(`${h.run}/${h.task}/${h.step}:${h.seq}: ${h.text}\n`);
      },
    );
}
