// `kiln search TEXT`: log lines containing TEXT (case-insensitive), across runs or in one.
import type { Command } from 'commander';
import type { SearchHitAnswer } from '../../collector/index.js';
import { outputFormat, type OutputFlags, render, withOutputOption } from '../output.js';
import { withReader, withReaderOptions } from '../reader-options.js';

const where = (h: SearchHitAnswer) => `${h.run}/${h.task}/${h.step}:${h.seq}`;

function hitsText(hits: SearchHitAnswer[], wide: boolean): string {
  return hits
    .map((h) => `${wide ? `${new Date(h.time).toISOString()} ${h.stream.padEnd(6)} ` : ''}${where(h)}: ${h.text}\n`)
    .join('');
}

export function registerSearch(program: Command): void {
  const cmd = withReaderOptions(
    program.command('search').description('search the logs').argument('<text>', 'text to look for'),
  ).option('--run <run>', 'only this pipeline run');
  withOutputOption(cmd, 'the hits (name: RUN/TASKRUN/STEP:SEQ)').action(
    async (text: string, f: OutputFlags & { run?: string; collector?: string; token?: string; db?: string }) => {
      const format = outputFormat(f);
      const hits = await withReader(f, (r) => r.search(text, f.run));
      process.stdout.write(render(format, hits, { name: where, text: hitsText }));
    },
  );
}
