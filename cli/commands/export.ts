// `kiln export --to tekton FILE`: writes Tekton v1 Tasks, a Pipeline and a PipelineRun (YAML on
// stdout, or --output FILE). What Tekton cannot express is refused, every problem listed.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { exportToTekton, tektonYaml } from '../../export/index.js';
import { UsageError } from '../../contract/index.js';
import { loadRun } from '../kubernetes-options.js';
import { collect, parseParamFlags } from '../run-options.js';

const TARGETS = ['tekton'];

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a pipeline in another engine's format (Tekton v1 Tasks, Pipeline and PipelineRun)")
    .argument('<files...>', 'pipeline files (Kiln YAML or Tekton documents)')
    .requiredOption('--to <engine>', `target engine: ${TARGETS.join(', ')}`)
    .option('--param <name=value>', 'a param value for the PipelineRun (repeatable)', collect, [])
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .action((files: string[], f: { to: string; param: string[]; output?: string }) => {
      if (!TARGETS.includes(f.to))
        throw new UsageError(`--to ${f.to}: unknown target`, `use one of: ${TARGETS.join(', ')}`);
      const run = loadRun(files, parseParamFlags(f.param));
      const docs = exportToTekton(run.pipeline, {
        params: run.given,
        workspaces: run.workspaces,
        timeoutMs: run.timeoutMs,
      });
      const text = tektonYaml(docs);
      if (f.output) writeFileSync(f.output, text);
      else process.stdout.write(text);
    });
}
