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
import { DEFAULT_AGENT_IMAGE, type LoadedRun, loadRuns } from '../kubernetes-options.js';
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

/**
 * A file of several Tekton runs exports each (to Tekton: the documents two runs share once; to Argo:
 * a Workflow each); a GitHub Actions workflow is one file per pipeline, so one run at a time.
 */
function exportText(target: ExportTarget, files: string[], f: ExportFlags): string {
  const runs = loadRuns(files, parseParamFlags(f.param));
  if (runs.length > 1 && target === 'github-actions')
    throw new UsageError(
      `the files hold ${runs.length} runs; a GitHub Actions workflow is one pipeline`,
      'export each run from a file of its own',
    );
  if (target === 'tekton') return tektonYaml(uniqueDocuments(runs.flatMap((run) => tektonDocs(run, f))));
  return runs.map((run) => exportOne(target, run, f)).join('---\n');
}

function tektonDocs(run: LoadedRun, f: ExportFlags): object[] {
  const agentImage = f.agentImage ?? process.env.KILN_AGENT_IMAGE ?? DEFAULT_AGENT_IMAGE;
  return exportToTekton(run.pipeline, { ...optionsOf(run, f), agentImage });
}

/** Documents of several runs, each once: the same kind and name twice must be the same document. */
function uniqueDocuments(docs: object[]): object[] {
  const seen = new Map<string, string>();
  return docs.filter((d) => {
    const { kind, metadata } = d as { kind?: string; metadata?: { name?: string } };
    if (!metadata?.name) return true;
    const key = `${kind}/${metadata.name}`;
    const text = JSON.stringify(d);
    const before = seen.get(key);
    seen.set(key, text);
    if (before === undefined) return true;
    if (before === text) return false;
    throw new UsageError(
      `two runs export different ${kind} documents named "${metadata.name}"`,
      'give the runs (or their embedded specs) names of their own',
    );
  });
}

const optionsOf = (run: LoadedRun, f: ExportFlags) => ({
  params: run.given,
  workspaces: run.workspaces,
  timeoutMs: run.timeoutMs,
  taskRunSpecs: run.taskRunSpecs,
  defaultImage: f.defaultImage,
});

function exportOne(target: Exclude<ExportTarget, 'tekton'>, run: LoadedRun, f: ExportFlags): string {
  const opts = optionsOf(run, f);
  const { doc, notes } =
    target === 'github-actions' ? exportToGitHubActions(run.pipeline, opts) : exportToArgo(run.pipeline, opts);
  return header(target, notes) + yaml(doc);
}
