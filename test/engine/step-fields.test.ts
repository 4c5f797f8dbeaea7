// A field added to the step model reaches what runs the step, or the build fails: SAMPLES must name
// a value for every field of StepSpec (tsc refuses the Record otherwise), the plan must carry each
// one (but those planStep says it folds), and each must change the Pod the pod builder makes and the
// host engine's command line or process (but those HOST_IGNORED_STEP_FIELDS names).
import { describe, expect, it } from 'vitest';
import { kilnPaths } from '../../contract/index.js';
import { planStep } from '../../engine/plan.js';
import { stepResultsFlags } from '../../engine/step-results.js';
import type { ResolvedStep } from '../../engine/runtime.js';
import { HOST_IGNORED_STEP_FIELDS, stepArgv, stepProcess } from '../../runtimes/host/commands.js';
import { stepMounts, stepWorkspaceMounts } from '../../runtimes/host/volumes.js';
import { buildPod } from '../../runtimes/kubernetes/pod-builder.js';
import type { StepSpec } from '../../syntax/index.js';
import { BUILD_OPTIONS, plan } from '../controller/plans.js';

const SAMPLES: { [K in keyof Required<StepSpec>]: StepSpec[K] } = {
  name: 'sampled',
  image: 'registry.example/sample:1',
  script: 'echo sample-script',
  command: ['sample-command', '--sample'],
  args: ['sample-arg'],
  env: { SAMPLE_ENV: 'sample' },
  workingDir: '/sample/dir',
  timeoutMs: 12_345,
  onError: 'continue',
  onErrorParam: '$(params.on-error)',
  cache: { key: 'sample-key', restoreKeys: ['sample-'], paths: ['sample-path'], policy: 'pull' },
  resources: { requests: { cpu: '123m' } },
  stdoutPath: '/sample/stdout',
  stderrPath: '/sample/stderr',
  volumeMounts: [{ name: 'sample-vol', mountPath: '/sample/mount', readOnly: true }],
  results: ['sample-step-result'],
  taskResults: { 'sample-step-result': 'sample-task-result' },
  // `src` is the sample plan's workspace (test/controller/plans.ts).
  workspaces: [{ name: 'src', mountPath: '/sample/ws' }],
  when: [{ input: 'sample-input', operator: 'in', values: ['sample-value'] }],
  whenCel: [{ expression: 'true' }],
  pos: { file: 'sample.yaml', line: 1, col: 1 },
};
/** What planStep folds into other fields or drops (its comment says why). */
const FOLDED_BY_PLAN = ['args', 'pos', 'onErrorParam', 'whenCel'];

const base: StepSpec = { name: 'base', args: [], env: {}, onError: 'stopAndFail', command: ['true'] };
type Field = keyof StepSpec;
const withField = (field: Field): StepSpec => {
  const step: StepSpec = { ...base, [field]: SAMPLES[field] };
  // A step has a script or a command, never both.
  if (field === 'script') delete step.command;
  return step;
};
const plannedFields = (Object.keys(SAMPLES) as Field[]).filter((f) => !FOLDED_BY_PLAN.includes(f));

const volumes = [{ name: 'sample-vol', source: { emptyDir: {} }, files: {} }];

function podOf(step: ResolvedStep): string {
  return JSON.stringify(buildPod(plan({ image: 'task-image:1', steps: [step], volumes }), BUILD_OPTIONS));
}

function hostLaunchOf(step: ResolvedStep): string {
  const argv = stepArgv({
    agent: ['kiln-agent'],
    paths: kilnPaths('/run'),
    index: 0,
    step,
    results: [],
    cacheDir: '/c',
    stepResults: stepResultsFlags(step, [step], kilnPaths('/run').stepsDir),
  });
  // The sandbox binds a step's volume mounts; outside it, their paths are rewritten in the step.
  const mounts = [
    ...stepMounts(step, { 'sample-vol': '/vol' }, plan({ volumes }), { src: '/ws' }),
    ...stepWorkspaceMounts(step, [step], { src: '/ws' }),
  ];
  return JSON.stringify({ argv, ...stepProcess(step, { cwd: '/ws', env: {} }), script: step.script, mounts });
}

describe('every step field reaches the runtimes', () => {
  it('the plan carries every field but those it folds', () => {
    for (const field of plannedFields) {
      expect(planStep(withField(field), 'task-image:1')[field as keyof ResolvedStep], field).toEqual(SAMPLES[field]);
    }
    expect(planStep(withField('args'), undefined).command).toEqual(['true', 'sample-arg']);
  });

  it.each(plannedFields)('%s changes the Pod', (field) => {
    expect(podOf(planStep(withField(field), 'task-image:1'))).not.toBe(podOf(planStep(base, 'task-image:1')));
  });

  it.each(plannedFields)('%s changes the host launch, or the host engine says it ignores it', (field) => {
    const ignored = (HOST_IGNORED_STEP_FIELDS as readonly string[]).includes(field);
    const changed = hostLaunchOf(planStep(withField(field), undefined)) !== hostLaunchOf(planStep(base, undefined));
    expect(changed, `${field}: ${ignored ? 'listed as ignored but used' : 'neither used nor listed as ignored'}`).toBe(
      !ignored,
    );
  });
});
