// `kiln run` flags → typed values, checked against the pipeline before anything runs.
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { RUN_LABELS, UsageError } from '../contract/index.js';
import { parseParamArgument, type PipelineSpec, suggest, type WorkspaceBinding } from '../syntax/index.js';

/** Collects a repeatable flag (commander's reducer). */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--workspace name=DIR`: the pipeline must declare `name`, DIR must be an existing directory. */
export function parseWorkspaceFlags(
  args: string[],
  pipeline: PipelineSpec,
  cwd: string,
): Record<string, WorkspaceBinding> {
  const declared = pipeline.workspaces.map((w) => w.name);
  const out: Record<string, WorkspaceBinding> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`--workspace "${arg}" is not NAME=DIR`, 'write --workspace name=dir');
    const [name, dir] = [arg.slice(0, eq), arg.slice(eq + 1)];
    if (!declared.includes(name)) {
      throw new UsageError(
        `--workspace ${arg}: pipeline "${pipeline.name}" has no workspace "${name}"`,
        suggest(name, declared),
      );
    }
    const path = resolve(cwd, dir);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st?.isDirectory())
      throw new UsageError(
        `--workspace ${arg}: ${path} is not a directory`,
        'create it first, or give an existing directory',
      );
    out[name] = { kind: 'dir', path };
  }
  return out;
}

/** `--param k=v`, later flags win. */
export function parseParamFlags(args: string[]): Record<string, string> {
  return Object.fromEntries(args.map(parseParamArgument));
}

export function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new UsageError(`--concurrency ${value}: give a whole number from 1 to 1024`);
  return n;
}

/** `--max-depth N`: how deep pipelines may call pipelines (default 10). */
export function parseMaxDepth(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100)
    throw new UsageError(`--max-depth ${value}: give a whole number from 0 to 100`, 'the default is 10');
  return n;
}

/** `kiln run --help`'s last lines: the environment it reads (and the settings file standing in). */
export const RUN_ENVIRONMENT_HELP = `
Environment (each also settable once with \`kiln config set KEY VALUE\`, in $XDG_CONFIG_HOME/kiln/config.yaml):
  KILN_COLLECTOR         ship to this collector instead of the embedded one (as --collector; key: collector)
  KILN_COLLECTOR_SECRET  that collector's write secret, to mint the run's token (\`kiln collector\` prints
                         where it is; key: collector-secret)
  NO_COLOR, FORCE_COLOR  colour off, or on even when not a terminal
`;

/** `kiln run --log-deadline`'s default: a collector away for minutes loses no line. */
export const DEFAULT_LOG_DEADLINE = '10m';

/**
 * What a local run's record carries beside the engine's fields: this process (a reader finds a
 * run whose kiln died, `kiln cancel` signals it) and the files and directories to run it again.
 */
export function localRunLabels(o: {
  cwd: string;
  files: string[];
  workspaces: Record<string, { kind: string; path?: string }>;
}): Record<string, string> {
  const dirs = Object.fromEntries(
    Object.entries(o.workspaces).flatMap(([name, w]) => (w.kind === 'dir' && w.path ? [[name, w.path]] : [])),
  );
  return {
    [RUN_LABELS.pid]: String(process.pid),
    [RUN_LABELS.host]: hostname(),
    [RUN_LABELS.cwd]: o.cwd,
    [RUN_LABELS.files]: JSON.stringify(o.files.map((f) => resolve(o.cwd, f))),
    [RUN_LABELS.workspaces]: JSON.stringify(dirs),
  };
}
