// `kiln export --to tekton|github-actions|argo FILE`: the pipeline in another engine's format
// (YAML on stdout, or --output FILE). What the target cannot express is refused, every problem
// listed; what it does differently is said in comments at the top (docs/export.md).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  EXPORT_TARGETS,
  exportToArgo,
  exportToGitHubActions,
  exportToTekton,
  tektonYaml,
  type ExportTarget,
} from '../../export/index.js';
import { UsageError } from '../../contract/index.js';
import { DEFAULT_AGENT_IMAGE, loadRun } from '../kubernetes-options.js';
import { collect, parseParamFlags } from '../run-options.js';

interface ExportFlags {
  to: string;
  param: string[];
  output?: string;
  defaultImage?: string;
  agentImage?: string;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a pipeline in another engine's format: Tekton v1, a GitHub Actions workflow, an Argo Workflow")
    .argument('<files...>', 'pipeline files (Kiln YAML or Tekton documents)')
    .requiredOption('--to <engine>', `target engine: ${EXPORT_TARGETS.join(', ')}`)
    .option('--param <name=value>', 'a param value for the run (repeatable)', collect, [])
    .option('--default-image <image>', 'the image of steps that name none (Tekton and Argo need one per step)')
    .option(
      '--agent-image <image>',
      `Tekton: the image whose kiln-agent restores and saves step caches (default: $KILN_AGENT_IMAGE or ${DEFAULT_AGENT_IMAGE})`,
    )
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .action((files: string[], f: ExportFlags) => {
      if (!(EXPORT_TARGETS as readonly string[]).includes(f.to))
        throw new UsageError(`--to ${f.to}: unknown target`, `use one of: ${EXPORT_TARGETS.join(', ')}`);
      const text = exportText(f.to as ExportTarget, files, f);
      if (f.output) writeFileSync(f.output, text);
      else process.stdout.write(text);
    });
}

// A script reads as written: multi-line strings as literal blocks (`|`), no line folded.
const yaml = (d: unknown) => stringify(d, { blockQuote: 'literal', lineWidth: 0, aliasDuplicateObjects: false });
const header = (target: string, notes: string[]) =>
  notes.length
    ? `# kiln export --to ${target}: approximated (docs/export.md):\n${notes.map((n) => `#   - ${n}\n`).join('')}`
    : '';

function exportText(target: ExportTarget, files: string[], f: ExportFlags): string {
  const run = loadRun(files, parseParamFlags(f.param));
  const opts = {
    params: run.given,
    workspaces: run.workspaces,
    timeoutMs: run.timeoutMs,
    defaultImage: f.defaultImage,
  };
  if (target === 'github-actions') {
    const { doc, notes } = exportToGitHubActions(run.pipeline, opts);
    return header(target, notes) + yaml(doc);
  }
  if (target === 'argo') {
    const { doc, notes } = exportToArgo(run.pipeline, opts);
    return header(target, notes) + yaml(doc);
  }
  const agentImage = f.agentImage ?? process.env.KILN_AGENT_IMAGE ?? DEFAULT_AGENT_IMAGE;
  return tektonYaml(exportToTekton(run.pipeline, { ...opts, agentImage }));
}
