// Tekton's artifacts (alpha) in the agent: a step writes its provenance JSON to
// `$(step.artifacts.path)` (`<steps>/<step>/artifacts/provenance.json`, made before it runs; the
// task's `$(artifacts.path)` is `<steps>/../artifacts/provenance.json`); a later step reads
// `$(steps.S.outputs.N)` / `$(steps.S.inputs.N)`, the JSON of artifact N's `values`, replaced in its
// command, environment and script when it starts, as Tekton's entrypoint does (it rewrites the
// script file too). An artifact not found is left as written, with a warning.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const STEP_ARTIFACT_REF = /\$\(steps\.([A-Za-z0-9_][\w-]*)\.(inputs|outputs)\.([A-Za-z0-9_][\w-]*)\)/g;

/** The directories a step's agent makes for artifacts: its own and the task's. */
export const artifactsDirs = (stepsDir: string, step: string): string[] => [
  join(stepsDir, step, 'artifacts'),
  join(dirname(stepsDir), 'artifacts'),
];

/** `text` with every earlier step's artifact reference replaced by the artifact's values (JSON). */
export function replaceStepArtifacts(text: string, stepsDir: string, warn: (message: string) => void): string {
  if (!text.includes('$(steps.')) return text;
  return text.replace(STEP_ARTIFACT_REF, (ref, step: string, category: string, name: string) => {
    const values = artifactValues(stepsDir, step, category, name);
    if (values === undefined) warn(`step "${step}" wrote no ${category} artifact "${name}": ${ref} is left as written`);
    return values ?? ref;
  });
}

function artifactValues(stepsDir: string, step: string, category: string, name: string): string | undefined {
  for (const dir of [step, `step-${step}`]) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(stepsDir, dir, 'artifacts', 'provenance.json'), 'utf8'));
    } catch {
      continue;
    }
    const list = (parsed as Record<string, unknown> | null)?.[category];
    const found = Array.isArray(list)
      ? (list as { name?: unknown; values?: unknown }[]).find((a) => a?.name === name)
      : undefined;
    return found ? JSON.stringify(found.values ?? []) : undefined;
  }
  return undefined;
}

/**
 * The command with a script file among its arguments (one of the task run's scripts, `<root>/scripts/`,
 * the steps directory being `<root>/run/steps`) replaced by a copy whose artifact references are
 * replaced, written beside the step's artifacts; the command as it is when there are none.
 */
export function withScriptArtifacts(
  command: string[],
  stepsDir: string,
  step: string,
  warn: (message: string) => void,
): string[] {
  const scripts = resolve(stepsDir, '..', '..', 'scripts');
  return command.map((arg) => {
    if (dirname(resolve(arg)) !== scripts || !existsSync(arg)) return arg;
    const text = readFileSync(arg, 'utf8');
    const replaced = replaceStepArtifacts(text, stepsDir, warn);
    if (replaced === text) return arg;
    const copy = join(stepsDir, step, 'artifacts', 'script');
    writeFileSync(copy, replaced, { mode: 0o755 });
    return copy;
  });
}
