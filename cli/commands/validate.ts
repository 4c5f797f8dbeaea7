// `kiln validate FILE…`: checks pipelines without running anything. Each Kiln file is a pipeline
// of its own; Tekton files are read together. Exit 0 with one OK line per pipeline, or 2 with
// every problem of every pipeline on stderr. A file of several Tekton runs: an OK line per run.
// Warnings (what runs as written, most likely a slip) go to stderr and leave the exit code 0.
import type { Command } from 'commander';
import { escapeControls } from '../../contract/index.js';
import { groupPipelineFiles, loadRunFiles, SpecError, type Diagnostic, type PipelineSpec } from '../../syntax/index.js';

function summary(pipeline: PipelineSpec, runName: string | undefined): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const steps = [...pipeline.tasks, ...pipeline.finally].reduce((n, t) => n + t.steps.length, 0);
  const parts = [
    count(pipeline.tasks.length, 'task'),
    `${pipeline.finally.length} finally`,
    count(steps, 'step'),
    count(pipeline.params.length, 'param'),
  ];
  const run = runName && runName !== pipeline.name ? ` (run ${runName})` : '';
  return escapeControls(`OK ${pipeline.name}${run}: ${parts.join(', ')} (${pipeline.files.join(', ')})`);
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check pipeline files (Kiln YAML or Tekton documents) and report every problem with FILE:LINE:COL')
    .argument('<files...>', 'pipeline files; each Kiln file is checked on its own, Tekton files together')
    .action((files: string[]) => {
      const problems: Diagnostic[] = [];
      for (const group of groupPipelineFiles(files)) {
        try {
          for (const { pipeline, run } of loadRunFiles(group)) {
            process.stdout.write(summary(pipeline, run?.name) + '\n');
            for (const warning of pipeline.warnings ?? []) process.stderr.write(warning + '\n');
          }
        } catch (err) {
          if (!(err instanceof SpecError)) throw err;
          problems.push(...err.diagnostics);
        }
      }
      if (problems.length) throw new SpecError(problems);
    });
}
