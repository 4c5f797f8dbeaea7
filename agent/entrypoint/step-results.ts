// Tekton's step results: a step writes `$(step.results.R.path)` (its own directory under the steps
// directory, made before it runs); a later step's command, arguments and environment read
// `$(steps.S.results.R)`, replaced here once the earlier steps have ended, as Tekton's entrypoint
// does (one never written is left as written, with a warning, as there). A task result whose
// value is a step result is copied to the results directory when its step has run.
import { copyFile, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TASK_ARTIFACTS_RESULT } from '../../contract/index.js';
import { AgentIOError } from '../errors.js';
import type { RunOutcome, RunRequest, Runner } from './core.js';
import type { EntrypointOptions } from './options.js';
import { artifactsDirs, replaceStepArtifacts, withScriptArtifacts } from './step-artifacts.js';

const STEP_RESULT_REF = /\$\(steps\.([A-Za-z0-9_][\w-]*)\.results\.([A-Za-z0-9_][\w-]*)(?:\[(\d+|\*)\]|\.([\w-]+))?\)/g;

type StepResultsOptions = NonNullable<EntrypointOptions['stepResults']>;

export class StepResultsRunner implements Runner {
  constructor(
    private readonly inner: Runner,
    private readonly opts: StepResultsOptions,
    private readonly step: string,
    private readonly resultsDir: string,
    /** A line for the step's log. */
    private readonly warn: (message: string) => void,
    /** The command's environment (the agent's own when absent): its values are substituted in place. */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async prepare(): Promise<void> {
    for (const dir of [`${this.opts.stepsDir}/${this.step}/results`, ...artifactsDirs(this.opts.stepsDir, this.step)])
      await mkdir(dir, { recursive: true }).catch((err: unknown) => {
        throw AgentIOError.from('making the step results directory', dir, err);
      });
    return this.inner.prepare();
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    const { stepsDir } = this.opts;
    const read = stepResultReader(stepsDir, this.warn);
    for (const [key, value] of Object.entries(this.env)) {
      if (value?.includes('$(steps.'))
        this.env[key] = replaceStepResults(replaceStepArtifacts(value, stepsDir, this.warn), read).join(' ');
    }
    const command = withScriptArtifacts(request.command, stepsDir, this.step, this.warn).flatMap((arg) =>
      replaceStepResults(replaceStepArtifacts(arg, stepsDir, this.warn), read),
    );
    const outcome = await this.inner.run({ ...request, command });
    // The task's artifacts, as the result that carries them (read only when the task declares it so).
    await copyFile(
      join(dirname(stepsDir), 'artifacts', 'provenance.json'),
      `${this.resultsDir}/${TASK_ARTIFACTS_RESULT}`,
    ).catch(() => undefined);
    for (const [from, to] of Object.entries(this.opts.asTaskResults)) {
      // A step result the step did not write leaves the task result unwritten, as Tekton does.
      await copyFile(`${this.opts.stepsDir}/${this.step}/results/${from}`, `${this.resultsDir}/${to}`).catch(
        () => undefined,
      );
    }
    return outcome;
  }
}

/** Reads a step result, or undefined (with a warning) when its step did not write it. */
export type StepResultRead = (step: string, name: string) => string | undefined;

/**
 * Step results from `stepsDir`. One an earlier step did not write is left as written where it is
 * referenced, with a line in the step's log, as Tekton's entrypoint does (it logs the error and
 * runs the step unsubstituted): an empty value would hide the mistake.
 */
export function stepResultReader(stepsDir: string, warn: (message: string) => void): StepResultRead {
  const said = new Set<string>();
  return (step, name) => {
    const value = readStepResult(stepsDir, step, name);
    if (value === undefined && !said.has(`${step}/${name}`)) {
      said.add(`${step}/${name}`);
      warn(`step "${step}" did not write its result "${name}": $(steps.${step}.results.${name}) is left as written`);
    }
    return value;
  };
}

/** A step result's text; undefined when the step did not write it. */
function readStepResult(stepsDir: string, step: string, name: string): string | undefined {
  for (const dir of [step, step.replace(/^step-/, '')]) {
    try {
      return readFileSync(`${stepsDir}/${dir}/results/${name}`, 'utf8');
    } catch {
      // the next spelling (Tekton also names a step by its container name, step-NAME)
    }
  }
  return undefined;
}

/**
 * One argument with every step result reference replaced: several arguments when it is exactly
 * `$(steps.S.results.R[*])` of an array result, one otherwise.
 */
export function replaceStepResults(text: string, read: StepResultRead): string[] {
  const whole = new RegExp(`^${STEP_RESULT_REF.source}$`).exec(text);
  if (whole?.[3] === '*') {
    const array = parse(read(whole[1]!, whole[2]!) ?? '');
    if (Array.isArray(array)) return array.map(String);
  }
  return [
    text.replace(STEP_RESULT_REF, (all, step: string, name: string, index?: string, key?: string) => {
      const value = read(step, name);
      if (value === undefined) return all;
      if (index === undefined && key === undefined) return value;
      const parsed = parse(value);
      if (index === '*' && Array.isArray(parsed)) return parsed.map(String).join(' ');
      if (index !== undefined && Array.isArray(parsed)) return String(parsed[Number(index)] ?? '');
      if (key !== undefined && parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return String((parsed as Record<string, unknown>)[key] ?? '');
      return '';
    }),
  ];
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
