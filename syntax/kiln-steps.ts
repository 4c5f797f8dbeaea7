// Steps in Kiln syntax: `run:` (a script) or `command:` + `args:`, with env, workingDir,
// timeout, onError and a dependency cache.
import { isSeq } from 'yaml';
import { checkName, type TextReader } from './common.js';
import type { CachePolicy, CacheSpec, StepSpec } from './model.js';
import { readStepOnError } from './step-on-error.js';
import type { At } from './yaml-source.js';

const STEP_KEYS = [
  'name',
  'image',
  'run',
  'command',
  'args',
  'env',
  'workingDir',
  'timeout',
  'onError',
  'cache',
] as const;
const CACHE_KEYS = ['key', 'restore-keys', 'paths', 'policy'] as const;
const CACHE_POLICIES: readonly CachePolicy[] = ['pull-push', 'pull', 'push'];

/** Step names a task already uses, so a default `step-N` or a duplicate is caught. */
export function checkStepNames(reader: TextReader, steps: StepSpec[], what: string): void {
  const seen = new Set<string>();
  for (const step of steps) {
    if (seen.has(step.name))
      reader.src.error(
        step.pos!,
        `${what}: two steps are named "${step.name}"`,
        'give each step of a task its own name',
      );
    seen.add(step.name);
  }
}

export function readKilnSteps(reader: TextReader, at: At | undefined, what: string): StepSpec[] {
  const src = reader.src;
  const items = src.list(at, `${what}.steps`) ?? [];
  const steps: StepSpec[] = [];
  items.forEach((item, i) => {
    const stepWhat = `${what}.steps[${i}]`;
    const f = src.fields(item, stepWhat, STEP_KEYS);
    if (!f) return;
    const name = src.string(f.get('name'), `${stepWhat}.name`) ?? `step-${i + 1}`;
    if (f.has('name')) checkName(src, name, f.get('name')!.pos, 'step name');
    const step: StepSpec = {
      name,
      args: [],
      env: reader.map(f.get('env'), `${stepWhat}.env`),
      ...readStepOnError(reader, f.get('onError'), `${stepWhat}.onError`),
      pos: item.pos,
    };
    const image = reader.text(f.get('image'), `${stepWhat}.image`);
    if (image !== undefined) step.image = image;
    const workingDir = reader.text(f.get('workingDir'), `${stepWhat}.workingDir`);
    if (workingDir !== undefined) step.workingDir = workingDir;
    const timeoutMs = src.duration(f.get('timeout'), `${stepWhat}.timeout`);
    if (timeoutMs !== undefined) step.timeoutMs = timeoutMs;
    readProgram(reader, f, step, stepWhat, item);
    if (f.has('cache')) {
      const cache = readCache(reader, f.get('cache')!, `${stepWhat}.cache`);
      if (cache) step.cache = cache;
    }
    steps.push(step);
  });
  if (at?.node && items.length === 0)
    src.error(at.pos, `${what}.steps is empty`, 'add at least one step with run: or command:');
  checkStepNames(reader, steps, what);
  return steps;
}

function readProgram(reader: TextReader, f: Map<string, At>, step: StepSpec, what: string, item: At): void {
  const src = reader.src;
  const run = f.get('run');
  const command = f.get('command');
  if (run && command) {
    src.error(
      command.pos,
      `${what} has both run and command`,
      'keep run: for a shell script, or command: + args: to exec a program',
    );
    return;
  }
  if (run) {
    step.script = reader.text(run, `${what}.run`);
    if (f.has('args'))
      src.error(f.get('args')!.pos, `${what}: args go with command, not run`, 'put the arguments in the run script');
    if (step.script !== undefined && step.script.trim() === '') src.error(run.pos, `${what}.run is empty`);
    return;
  }
  if (command) {
    if (!isSeq(command.node)) {
      src.error(
        command.pos,
        `${what}.command must be a list (the program and its arguments)`,
        'write command: [npm, test], or run: npm test for a shell line',
      );
      return;
    }
    step.command = reader.list(command, `${what}.command`);
    step.args = reader.list(f.get('args'), `${what}.args`);
    if (step.command.length === 0) src.error(command.pos, `${what}.command is empty`);
    return;
  }
  src.error(item.pos, `${what} has neither run nor command`, 'add run: <shell script> or command: [program, args…]');
}

/** A `cache:` mapping, on a step or (task-cache.ts) on a task: the same keys and checks. */
export function readCache(reader: TextReader, at: At, what: string): CacheSpec | undefined {
  const src = reader.src;
  const f = src.fields(at, what, CACHE_KEYS);
  if (!f) return undefined;
  const key = reader.text(f.get('key'), `${what}.key`);
  const paths = reader.list(f.get('paths'), `${what}.paths`);
  if (key === undefined || key === '')
    src.error(at.pos, `${what} needs a key`, `e.g. key: "npm-$(hashFiles('package-lock.json'))"`);
  if (paths.length === 0)
    src.error(at.pos, `${what} needs paths`, 'list the directories to cache, e.g. paths: [~/.npm]');
  return {
    key: key ?? '',
    restoreKeys: reader.list(f.get('restore-keys'), `${what}.restore-keys`),
    paths,
    policy: src.choice(f.get('policy'), `${what}.policy`, CACHE_POLICIES) ?? 'pull-push',
  };
}
