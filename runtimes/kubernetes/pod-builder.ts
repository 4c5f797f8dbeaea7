// The pod builder: a TaskRunPlan becomes one V1Pod. Pure: no API calls, no clock, no randomness,
// so the same plan always gives the same Pod (golden-tested) and a re-sent create is a no-op.
//
// Layout (paths from contract/pod-layout.ts, never re-spelled):
//   init  kiln-init       copies the agent's portable tree into the kiln-bin and kiln-lib emptyDirs
//   init  kiln-log-proxy  native sidecar (restartPolicy: Always) shipping the spool to the collector
//   step-<name> …         /kiln/bin/kiln-agent entrypoint -wait_file <prev post file> … -- <cmd>
// Without native sidecars (a server older than 1.29, or the feature off), the log proxy is the last
// ordinary container instead: it ends by itself once every step has, so the Pod still completes.
// Each step's termination message gets the Pod's share of the kubelet's 12 KiB (terminationBudget).
// Step 0 waits on /kiln/downward/ready, a Downward API projection of an annotation the controller
// sets once it has seen the Pod: the go-ahead. Scripts travel as annotations projected (mode 0555)
// to /kiln/scripts/<i>, so no image is pulled or inspected to deliver them.
// The Pod's volumes come from pod-volumes.ts; the run's Secret and PVCs are built in run-objects.ts.
import type { V1Container, V1EnvVar, V1Pod, V1ResourceRequirements, V1VolumeMount } from '@kubernetes/client-node';
import {
  entrypointArgv,
  KILN_ROOT,
  kilnPaths,
  logProxyArgv,
  taskRunResultsUrl,
  TERMINATION_PATH,
  workspacePath,
} from '../../contract/index.js';
import {
  stepResultsFlags,
  stepWorkspaces,
  withStepResultFiles,
  type ResolvedStep,
  type TaskRunPlan,
} from '../../engine/index.js';
import { stepIndexNamed } from '../../syntax/index.js';
import { ANNOTATIONS, LABELS, MANAGED_BY } from './labels.js';
import { boundedName, containerName, podName } from './names.js';
import { PodBuildError } from './errors.js';
import { ownedBy, type RunObjectOptions } from './run-objects.js';
import {
  kilnVolumes,
  taskVolumes,
  tektonHomeMounts,
  tektonHomeVolumes,
  volumeForTaskVolume,
  volumeForWorkspace,
  workspaceVolumes,
} from './pod-volumes.js';
import { sidecarContainerName, sidecarContainers, sidecarsSettled, type SidecarMounts } from './sidecars.js';
import { parseQuantity } from './quantity.js';
import { kilnSecurity, lockedDown, podSecurityContext, type PodSecurity } from './pod-security.js';
import { applyPodSpec } from './pod-template.js';

const P = kilnPaths(KILN_ROOT);
/**
 * Where the init container sees the tools volumes (its own /kiln holds the agent image's tree).
 * `kiln-agent init DEST` fills DEST/bin and DEST/lib: two emptyDirs, mounted at /kiln/bin and
 * /kiln/lib in steps without subPath (which not every runtime supports).
 */
export const TOOLS_MOUNT = '/kiln-tools';
const TOOLS = kilnPaths(TOOLS_MOUNT);
const TOKEN_DIR = `${KILN_ROOT}/secrets`;
/** Annotations are capped at 256 KiB in total; leave room for the rest. */
const SCRIPTS_BUDGET = 200 * 1024;
/** The engine times a task out first and records TimedOut; the deadline is the backstop for a downed controller. */
const DEADLINE_GRACE_SECONDS = 30;

export interface PodBuildOptions extends RunObjectOptions {
  /** Image holding the portable /kiln tree (images/agent). */
  agentImage: string;
  serviceAccountName?: string;
  /**
   * `image` (default, as Tekton): steps run as their image's user with the runtime's capabilities;
   * only Kiln's own containers are locked down. `restricted`: every container passes PodSecurity
   * `restricted` (non-root UID, all capabilities dropped, seccomp RuntimeDefault).
   */
  podSecurity?: PodSecurity;
  /** `restricted`: the UID of every container (default 65532; 0 turns off runAsNonRoot). `image`: the steps' UID, if set. */
  runAsUser?: number;
  /** The log proxy's -deadline (`kiln run --log-deadline` on podman); absent: the Pod's lifetime bounds it. */
  logDeadline?: string;
  /** What is left of the run's timeout when the Pod is made: its deadline is no later. */
  remainingRunMs?: number;
  /** The server runs init containers with restartPolicy: Always as sidecars (1.29+). Default true. */
  nativeSidecars?: boolean;
}

/** The kubelet keeps at most 4096 bytes of a container's message and 12 KiB for all of a Pod's. */
export const CONTAINER_MESSAGE_LIMIT = 4096;
export const POD_MESSAGES_LIMIT = 12 * 1024;

/** The backstop deadline: the task's timeout or what is left of the run's, whichever ends first, plus grace. */
function podDeadlineSeconds(taskMs: number | undefined, runMs: number | undefined): number | undefined {
  const ms = Math.min(taskMs || Infinity, runMs ?? Infinity);
  return Number.isFinite(ms) ? Math.ceil(Math.max(1000, ms) / 1000) + DEADLINE_GRACE_SECONDS : undefined;
}

/** What each container's termination message may hold in a Pod of `containers` (init ones included). */
export function terminationBudget(containers: number): number {
  return Math.min(CONTAINER_MESSAGE_LIMIT, Math.floor(POD_MESSAGES_LIMIT / Math.max(1, containers)));
}

export function buildPod(given: TaskRunPlan, opts: PodBuildOptions): V1Pod {
  const plan = { ...given, steps: given.steps.map((s) => withStepResultFiles(s, given.steps, P)) };
  if (plan.steps.length === 0)
    throw new PodBuildError(plan.task, undefined, 'has no steps', 'give the task at least one step');
  const scripts = scriptAnnotations(plan);
  const restricted = opts.podSecurity === 'restricted';
  const volumes = [
    ...kilnVolumes(plan, scripts, restricted),
    ...workspaceVolumes(plan),
    ...taskVolumes(plan),
    ...tektonHomeVolumes(plan),
  ];
  const sidecars = plan.sidecars?.length ?? 0;
  const budget = terminationBudget(plan.steps.length + 1 + (plan.collector ? 1 : 0) + sidecars);
  const steps = plan.steps.map((step, i) => stepContainer(plan, step, i, scripts.has(i), budget, restricted));
  spreadRequests(plan, steps);
  const initContainers: V1Container[] = [initContainer(opts.agentImage, restricted)];
  const native = opts.nativeSidecars !== false;
  if (plan.collector)
    (native ? initContainers : steps).push(
      logProxyContainer(plan, opts.agentImage, opts.logDeadline, native, restricted),
    );
  initContainers.push(...sidecarContainers(plan, native, restricted, SIDECAR_MOUNTS));
  return applyPodSpec(plan, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(plan.name),
      namespace: opts.namespace,
      labels: podLabels(plan),
      annotations: Object.fromEntries([...scripts].map(([i, text]) => [ANNOTATIONS.script(i), text])),
      // The Pod holds up its PipelineRun's deletion until it is gone, so no step outlives its run.
      ownerReferences: [{ ...ownedBy(opts.owner), blockOwnerDeletion: true }],
    },
    spec: {
      restartPolicy: 'Never',
      serviceAccountName: opts.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      activeDeadlineSeconds: podDeadlineSeconds(plan.timeoutMs, opts.remainingRunMs),
      securityContext: podSecurityContext(opts),
      initContainers,
      containers: steps,
      volumes,
    },
  });
}

export function podLabels(plan: TaskRunPlan): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.pipelineRun]: boundedName(plan.pipelineRun),
    [LABELS.pipeline]: boundedName(plan.pipeline),
    [LABELS.task]: boundedName(plan.task),
    [LABELS.taskRun]: boundedName(plan.name),
    [LABELS.attempt]: String(plan.attempt),
  };
}

const mount = (name: string, mountPath: string, readOnly = false, subPath?: string): V1VolumeMount => ({
  name,
  mountPath,
  ...(readOnly ? { readOnly } : {}),
  ...(subPath ? { subPath } : {}),
});

function initContainer(agentImage: string, restricted: boolean): V1Container {
  return {
    name: 'kiln-init',
    image: agentImage,
    command: [P.agent, 'init', TOOLS_MOUNT],
    securityContext: kilnSecurity(restricted),
    volumeMounts: [mount('kiln-bin', TOOLS.binDir), mount('kiln-lib', TOOLS.libDir)],
  };
}

function logProxyContainer(
  plan: TaskRunPlan,
  agentImage: string,
  deadline: string | undefined,
  native: boolean,
  restricted: boolean,
): V1Container {
  return {
    name: 'kiln-log-proxy',
    image: agentImage,
    ...(native && { restartPolicy: 'Always' }),
    command: logProxyArgv({
      agent: [P.agent],
      paths: P,
      // A sidecar's output is spooled as the step after the last one (sidecars.ts).
      steps: [...plan.steps.map((s) => s.name), ...(plan.sidecars ?? []).map((s) => sidecarContainerName(s.name))],
      collector: { url: plan.collector!.url, tokenFile: `${TOKEN_DIR}/token` },
      pipelineRun: plan.collector!.runId ?? plan.pipelineRun,
      taskRun: plan.name,
      stateDir: P.proxyStateDir,
      deadline,
    }),
    securityContext: kilnSecurity(restricted),
    volumeMounts: [
      mount('kiln-run', P.runDir, true),
      mount('kiln-logs', P.logDir),
      mount('kiln-token', TOKEN_DIR, true),
    ],
  };
}

function stepContainer(
  plan: TaskRunPlan,
  step: ResolvedStep,
  i: number,
  isScript: boolean,
  terminationLimit: number,
  restricted: boolean,
): V1Container {
  const image = step.image ?? plan.image;
  if (!image) throw new PodBuildError(plan.task, step.name, 'has no image', 'set `image:` on the step or on its task');
  const argv = isScript ? [P.scriptFile(i), ...(step.scriptArgs ?? [])] : step.command;
  if (!argv || argv.length === 0) {
    throw new PodBuildError(
      plan.task,
      step.name,
      'gives neither `run` nor `command`',
      "Kiln does not look up an image's own entrypoint in a registry: give `run:` (a script) or `command:`",
    );
  }
  const collector = plan.collector;
  const tokenFile = `${TOKEN_DIR}/token`;
  const command = entrypointArgv({
    agent: [P.agent],
    paths: P,
    index: i,
    stepName: step.name,
    onError: step.onError,
    terminationPath: TERMINATION_PATH,
    results: plan.results,
    timeoutMs: step.timeoutMs,
    // The dependency cache goes through the collector, with the run's token (as the log proxy's),
    // and so does a result too large for the termination message.
    cache: collector && step.cache ? { spec: step.cache, store: { url: collector.url, tokenFile } } : undefined,
    resultsStore: collector
      ? { url: taskRunResultsUrl(collector.url, collector.runId ?? plan.pipelineRun, plan.name), tokenFile }
      : undefined,
    command: argv.map((a) => resolvePaths(a, plan, step)),
    stdoutPath: step.stdoutPath && resolvePaths(step.stdoutPath, plan, step),
    stderrPath: step.stderrPath && resolvePaths(step.stderrPath, plan, step),
    terminationLimit: terminationLimit < CONTAINER_MESSAGE_LIMIT ? terminationLimit : undefined,
    stepResults: stepResultsFlags(step, plan.steps, P.stepsDir),
    when: step.when,
    sidecarsSettled: i === 0 ? sidecarsSettled(plan) : undefined,
  });
  const env = { ...plan.env, ...step.env };
  return {
    name: containerName(step.name),
    image,
    command,
    workingDir: step.workingDir ? resolvePaths(step.workingDir, plan, step) : undefined,
    env: Object.entries(env).map(([name, value]): V1EnvVar => ({ name, value: resolvePaths(value, plan, step) })),
    resources: step.resources ? { ...step.resources } : undefined,
    terminationMessagePath: TERMINATION_PATH,
    terminationMessagePolicy: 'File',
    // Mode `image`: the image's user and the runtime's capabilities, as Tekton (npm, apt-get work).
    ...(restricted && { securityContext: lockedDown() }),
    volumeMounts: [
      mount('kiln-bin', P.binDir, true),
      mount('kiln-lib', P.libDir, true),
      mount('kiln-run', P.runDir),
      mount('kiln-results', P.resultsDir),
      mount('kiln-logs', P.logDir),
      mount('kiln-downward', P.downwardDir, true),
      ...(isScript ? [mount('kiln-scripts', P.scriptsDir, true)] : []),
      ...(collector ? [mount('kiln-token', TOKEN_DIR, true)] : []),
      ...stepWorkspaces(step, [...plan.steps, ...(plan.sidecars ?? [])], plan.workspaces).map((seen) =>
        workspaceMount(plan, seen.name, step),
      ),
      ...taskVolumeMounts(plan, step),
      ...tektonHomeMounts(plan, step),
    ],
  };
}

function workspaceMount(plan: TaskRunPlan, name: string, step: ResolvedStep): V1VolumeMount {
  const w = plan.workspaces.find((u) => u.name === name)!;
  const sub = [plan.workspaceBindings[w.workspace]?.subPath, w.subPath].filter(Boolean).join('/');
  return mount(volumeForWorkspace(w.workspace), workspaceIn(step, w.name), !!w.readOnly, sub || undefined);
}

const SIDECAR_MOUNTS: SidecarMounts = {
  agent: [
    mount('kiln-bin', P.binDir, true),
    mount('kiln-lib', P.libDir, true),
    mount('kiln-run', P.runDir),
    mount('kiln-logs', P.logDir),
  ],
  resolve: resolvePaths,
  workspaceMount,
  volumeMounts: taskVolumeMounts,
};

function taskVolumeMounts(plan: TaskRunPlan, step: ResolvedStep): V1VolumeMount[] {
  return (step.volumeMounts ?? []).map((m) => {
    if (m.mountPath === KILN_ROOT || m.mountPath.startsWith(`${KILN_ROOT}/`))
      throw new PodBuildError(
        plan.task,
        step.name,
        `mounts volume "${m.name}" at ${m.mountPath}, under ${KILN_ROOT} where Kiln keeps its tools and results`,
        'mount it elsewhere',
      );
    // `$(workspaces.w.volume)`: the whole Pod volume backing task workspace w, as Tekton mounts it.
    const workspace = plan.workspaces.find((w) => w.name === m.workspace);
    if (workspace) return mount(volumeForWorkspace(workspace.workspace), m.mountPath, m.readOnly, m.subPath);
    const volume = plan.volumes?.find((v) => v.name === m.name);
    if (!volume)
      throw new PodBuildError(
        plan.task,
        step.name,
        `mounts volume "${m.name}", which the task does not have`,
        "declare it under the Task's volumes",
      );
    const name = volume.podTemplate ? m.name : volumeForTaskVolume(m.name);
    return mount(name, m.mountPath, m.readOnly, m.subPath);
  });
}

/** Where `step` sees task workspace `name`: its own mount path (step `workspaces`), else /workspace/<name>. */
function workspaceIn(step: ResolvedStep | undefined, name: string): string {
  return step?.workspaces?.find((w) => w.name === name)?.mountPath ?? workspacePath(name);
}

/**
 * Resolves the runtime-dependent references `$(results.r.path)`, `$(workspaces.w.path)` and
 * `$(steps.s.exitCode.path)` to pod paths (a workspace where `step` sees it).
 */
export function resolvePaths(text: string, plan: TaskRunPlan, step?: ResolvedStep): string {
  const exitCodes = text.replace(/\$\(steps\.([A-Za-z0-9_][\w-]*)\.exitCode\.path\)/g, (whole, name: string) => {
    const i = stepIndexNamed(plan.steps, name);
    return i === undefined ? whole : `${P.stepMetadataDir(i)}/exitCode`;
  });
  return exitCodes.replace(
    /\$\((results|workspaces)\.([A-Za-z0-9_.-]+?)\.path\)/g,
    (whole, kind: string, name: string) => {
      if (kind === 'results') return plan.results.includes(name) ? P.resultFile(name) : whole;
      return plan.workspaces.some((w) => w.name === name) ? workspaceIn(step, name) : whole;
    },
  );
}

/** Scripts as annotations, by step index; `run:` without a shebang runs under /bin/sh like `sh -c`. */
function scriptAnnotations(plan: TaskRunPlan): Map<number, string> {
  const out = new Map<number, string>();
  let total = 0;
  plan.steps.forEach((step, i) => {
    if (step.script === undefined) return;
    const body = resolvePaths(step.script, plan, step);
    const text = body.startsWith('#!') ? body : `#!/bin/sh\n${body}`;
    total += text.length;
    out.set(i, text);
  });
  if (total > SCRIPTS_BUDGET) {
    throw new PodBuildError(
      plan.task,
      undefined,
      `has ${total} bytes of scripts, over the ${SCRIPTS_BUDGET}-byte limit of Pod annotations`,
      'move long scripts into a file in the workspace or the image and run it with `command:`',
    );
  }
  return out;
}

/**
 * Kubernetes schedules a Pod on the sum of its containers' requests, but steps run one at a time,
 * so the Pod should ask for the maximum over steps. Per resource, the step with the largest request
 * keeps it and every other step asks for 0 (explicitly: a limit without a request defaults the
 * request to the limit). Limits stay per step: they are enforced per container.
 */
function spreadRequests(plan: TaskRunPlan, steps: V1Container[]): void {
  const names = new Set(steps.flatMap((c) => Object.keys({ ...c.resources?.requests, ...c.resources?.limits })));
  for (const resource of names) {
    let winner = -1;
    let best = -1;
    steps.forEach((c, i) => {
      // A limit without a request defaults the request to the limit.
      const q = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
      const n =
        q === undefined
          ? -1
          : parseQuantity(String(q), `task "${plan.task}" step "${plan.steps[i].name}" resources.${resource}`);
      if (n > best) [best, winner] = [n, i];
    });
    steps.forEach((c, i) => {
      if (i === winner) return;
      const r: V1ResourceRequirements = c.resources ?? {};
      c.resources = { ...r, requests: { ...r.requests, [resource]: '0' } };
    });
  }
}
