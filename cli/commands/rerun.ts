// `kiln rerun RUN [--param k=v]`: `kiln run` again, in the directory, with the files, params and
// workspace directories the run's record carries; --param overrides a param.
import type { Command } from 'commander';
import { rerunSourceOf, UsageError } from '../../contract/index.js';
import { parseParamFlags, collect } from '../run-options.js';
import { withReader, withReaderOptions } from '../reader-options.js';
import { requireRun } from './get.js';

export function registerRerun(program: Command): void {
  withReaderOptions(
    program
      .command('rerun')
      .description("run a local run's pipeline again: the same files, params and workspace directories"),
  )
    .argument('<run>', 'pipeline run id')
    .option('--param <name=value>', 'override a param (repeatable)', collect, [])
    .action(async (id: string, f: { param: string[]; collector?: string; token?: string; db?: string }) => {
      const run = await withReader(f, (r) => requireRun(r, id));
      const source = rerunSourceOf(run);
      if (!source)
        throw new UsageError(
          `run ${id} cannot be rerun: its record does not say which files it ran`,
          'only runs started by `kiln run` (this version or later) carry them; run the pipeline file again with `kiln run`',
        );
      const params = { ...run.params, ...parseParamFlags(f.param) };
      const args = [
        'run',
        ...source.files,
        ...Object.entries(params).flatMap(([k, v]) => [
          '--param',
          `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
        ]),
        ...Object.entries(source.workspaces).flatMap(([k, dir]) => ['--workspace', `${k}=${dir}`]),
      ];
      process.stderr.write(`kiln: rerunning ${id} in ${source.cwd}: kiln ${args.join(' ')}\n`);
      process.chdir(source.cwd);
      // The same command tree runs it: `kiln run`'s flags, checks and exit code.
      await program.parseAsync(args, { from: 'user' });
    });
}
