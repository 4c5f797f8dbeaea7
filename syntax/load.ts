// Entry point of the syntax: files → documents → the model (Kiln syntax or Tekton), then the
// checks across it. Every problem of every file is collected and thrown as one SpecError.
import { readFileSync } from 'node:fs';
import { normalize } from 'node:path';
import { PipelineRegistry } from './child-pipelines.js';
import type { EmbeddedLoader, PipelineLoader } from './kiln-pipeline-task.js';
import type { TaskTemplate } from './common.js';
import { Diagnostics, formatDiagnostic, SpecError } from './errors.js';
import { readKilnPipeline } from './kiln-pipeline.js';
import { readKilnTemplate, resolveTemplateRef } from './kiln-template.js';
import type { PipelineSpec, RunRequest, SourcePos } from './model.js';
import { Sites } from './sites.js';
import { inlineIncludes } from './template-catalog.js';
import { isTektonDocument, readTektonDocuments, readTektonTaskFile, tektonRunCount } from './tekton/documents.js';
import { validatePipeline } from './validate.js';
import { parseYamlDocuments, type Source } from './yaml-source.js';

export interface LoadOptions {
  /** Reads a file (pipeline files and `uses:` templates); defaults to the file system. */
  readFile?: (path: string) => string;
  /**
   * Where `pipeline: ref` points, when not a file beside the pipeline or in the catalog (the
   * controller: a Pipeline resource in the run's namespace); `path` is then read with readFile.
   */
  resolvePipeline?: (ref: string) => { path: string } | { error: string; hint: string };
}

export interface LoadedPipeline {
  pipeline: PipelineSpec;
  /** What a Tekton PipelineRun/TaskRun asks for: its name, params, workspace bindings, timeout. */
  run?: RunRequest;
}

const defaultRead = (path: string) => readFileSync(path, 'utf8');

function readSources(file: string, read: (path: string) => string, diags: Diagnostics): Source[] {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    diags.add(
      { file, line: 1, col: 1 },
      `cannot read the file (${code ?? String(err)})`,
      code === 'ENOENT' ? 'check the path' : undefined,
    );
    return [];
  }
  return parseYamlDocuments(text, file, diags);
}

/** Reads and validates the pipeline in `files`; throws SpecError listing every problem. */
export function loadPipelineFiles(files: string[], opts: LoadOptions = {}): LoadedPipeline {
  const read = opts.readFile ?? defaultRead;
  const diags = new Diagnostics();
  const sources = files.flatMap((file) => readSources(file, read, diags));
  return build(sources, diags, read, files[0] ?? '<input>', opts.resolvePipeline);
}

/**
 * Every run the files hold: one, or (Tekton) each PipelineRun and TaskRun of them with the Tasks and
 * Pipelines they name, read and checked one by one. Throws one SpecError listing every problem of
 * every run (a problem in a document two runs share is said once).
 */
export function loadRunFiles(files: string[], opts: LoadOptions = {}): LoadedPipeline[] {
  const read = opts.readFile ?? defaultRead;
  const diags = new Diagnostics();
  const sources = files.flatMap((file) => readSources(file, read, diags));
  const tekton = sources.filter(isTektonDocument);
  const count = diags.count === 0 && tekton.length === sources.length ? tektonRunCount(tekton) : 0;
  // One run: built from the documents just parsed (parsing them again was most of a small file's load).
  if (count < 2) return [build(sources, diags, read, files[0] ?? '<input>', opts.resolvePipeline)];
  const loaded: LoadedPipeline[] = [];
  for (let which = 0; which < count; which++) {
    const runDiags = new Diagnostics();
    const runSources = files.flatMap((file) => readSources(file, read, runDiags));
    try {
      loaded.push(build(runSources, runDiags, read, files[0]!, opts.resolvePipeline, which));
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      for (const d of err.diagnostics) diags.add(d, d.message, d.hint);
    }
  }
  diags.throwIfAny();
  return loaded;
}

/**
 * Splits files into pipelines, for commands given many (`kiln validate *.yaml`): Tekton files
 * form one set (they refer to each other by name), each Kiln file is a pipeline of its own.
 */
export function groupPipelineFiles(files: string[], opts: LoadOptions = {}): string[][] {
  const read = opts.readFile ?? defaultRead;
  const tekton: string[] = [];
  const alone: string[][] = [];
  for (const file of files) {
    const sources = readSources(file, read, new Diagnostics());
    if (sources.length > 0 && sources.every(isTektonDocument)) tekton.push(file);
    else alone.push([file]);
  }
  return tekton.length ? [tekton, ...alone] : alone;
}

/** The same from text (tests, stdin); `uses:` templates are read relative to `file`. */
export function parsePipelineText(text: string, file = 'pipeline.yaml', opts: LoadOptions = {}): LoadedPipeline {
  const diags = new Diagnostics();
  return build(parseYamlDocuments(text, file, diags), diags, opts.readFile ?? defaultRead, file, opts.resolvePipeline);
}

function build(
  sources: Source[],
  diags: Diagnostics,
  read: (path: string) => string,
  firstFile: string,
  resolvePipeline?: LoadOptions['resolvePipeline'],
  which?: number,
): LoadedPipeline {
  // With a document unreadable, what refers to it would only add misleading errors.
  diags.throwIfAny();
  const sites = new Sites();
  const templateFiles: string[] = [];
  const template = (
    ref: string,
    from: Source,
    pos: SourcePos,
    context: { workspaces: Set<string>; matrix: Set<string>; task: string },
  ): TaskTemplate | undefined => {
    const where = resolveTemplateRef(ref, from.file);
    if ('error' in where) {
      diags.add(pos, where.error, where.hint);
      return undefined;
    }
    const path = where.path;
    let text: string;
    try {
      text = read(path);
    } catch {
      diags.add(
        pos,
        `uses: cannot read template "${ref}" (${path})`,
        'check the path; it is relative to the pipeline file',
      );
      return undefined;
    }
    const docs = parseYamlDocuments(text, path, diags);
    if (docs.length !== 1) {
      if (docs.length > 1)
        diags.add(
          pos,
          `uses: template "${ref}" holds ${docs.length} documents`,
          'a template file holds exactly one task',
        );
      return undefined;
    }
    if (!templateFiles.includes(path)) templateFiles.push(path);
    const loaded = isTektonDocument(docs[0]!)
      ? readTektonTaskFile(docs[0]!, sites, context.task)
      : readKilnTemplate(docs[0]!, sites, context);
    const problem = loaded && where.catalog ? inlineIncludes(loaded, where.catalog) : undefined;
    if (problem) diags.add(loaded!.pos, problem, 'a bug in the template catalog: fix the template file');
    return loaded;
  };
  const registry = new PipelineRegistry();
  const readChild = (path: string, ref: string, pos: SourcePos, task: string): PipelineSpec | undefined => {
    const what = `task "${task}" calls pipeline "${ref}"`;
    let text: string;
    try {
      text = read(path);
    } catch {
      diags.add(
        pos,
        `pipeline: cannot read "${ref}" (${path}): ${what}`,
        'check the path; it is relative to the pipeline file',
      );
      return undefined;
    }
    const docs = parseYamlDocuments(text, path, diags);
    if (docs.length !== 1 || isTektonDocument(docs[0]!)) {
      if (docs.length > 0)
        diags.add(
          pos,
          `pipeline: "${ref}" is not one Kiln pipeline: ${what}`,
          'a pipeline file holds exactly one Kiln pipeline',
        );
      return undefined;
    }
    if (!templateFiles.includes(path)) templateFiles.push(path);
    const sites = new Sites();
    const before = diags.count;
    const spec = readKilnPipeline(docs[0]!, { sites, template, pipeline: loadPipeline, embedded: loadEmbedded });
    if (spec) validatePipeline(spec, sites, diags);
    // Its errors are at their places in that file; the caller's line says who called it.
    if (diags.count > before)
      diags.add(pos, `pipeline: "${ref}" (${path}) is not valid: ${what}`, 'fix the errors reported in that file');
    return spec;
  };
  const loadPipeline: PipelineLoader = (ref, from, pos, task) => {
    const where = resolvePipeline ? resolvePipeline(ref) : resolveTemplateRef(ref, from.file);
    if ('error' in where) {
      diags.add(pos, where.error, where.hint);
      return undefined;
    }
    const key = normalize(where.path);
    registry.call(normalize(from.file), key, task);
    return { key, spec: registry.load(key, () => readChild(key, ref, pos, task.name)) };
  };
  // A task's pipelineSpec: keyed by its place (a file is read once, so each is read once).
  const loadEmbedded: EmbeddedLoader = (from, at, task, what) => {
    const key = `${normalize(from.file)}#${at.pos.line}:${at.pos.col}`;
    registry.call(normalize(from.file), key, task);
    const read = () => {
      const sites = new Sites();
      const spec = readKilnPipeline(
        from,
        { sites, template, pipeline: loadPipeline, embedded: loadEmbedded },
        { at, what, task: task.name },
      );
      if (spec) validatePipeline(spec, sites, diags);
      return spec;
    };
    return { key, spec: registry.load(key, read) };
  };
  const kiln = sources.filter((s) => !isTektonDocument(s));
  const tekton = sources.filter(isTektonDocument);
  let result: { pipeline?: PipelineSpec; run?: RunRequest } = {};
  if (kiln.length > 1)
    diags.add(
      kiln[1]!.root().pos,
      'more than one Kiln pipeline given',
      'run one pipeline at a time; a file holds one pipeline',
    );
  else if (kiln.length === 1 && tekton.length > 0)
    diags.add(
      tekton[0]!.root().pos,
      'a Kiln pipeline cannot be mixed with Tekton documents',
      'pass them to separate kiln commands, or use a Tekton Task file with uses:',
    );
  else if (kiln.length === 1) {
    const rootKey = normalize(kiln[0]!.file);
    const pipeline = registry.load(rootKey, () =>
      readKilnPipeline(kiln[0]!, { sites, template, pipeline: loadPipeline, embedded: loadEmbedded }),
    );
    if (pipeline) {
      registry.finish(pipeline, rootKey, diags);
      result = { pipeline };
    }
  } else if (tekton.length > 0) result = readTektonDocuments(tekton, sites, which);
  else if (diags.count === 0)
    diags.add(
      { file: firstFile, line: 1, col: 1 },
      'no pipeline found: the file is empty',
      'write a pipeline; see docs/syntax.md',
    );
  if (result.pipeline) {
    result.pipeline.files = [...new Set([...sources.map((s) => s.file), ...templateFiles])];
    validatePipeline(result.pipeline, sites, diags);
    if (diags.warnings.length) result.pipeline.warnings = diags.warnings.map(formatDiagnostic);
  }
  diags.throwIfAny();
  return result as LoadedPipeline;
}
