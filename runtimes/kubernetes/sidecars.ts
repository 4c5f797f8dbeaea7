// A Task's Tekton sidecars in the Pod: native sidecars (init containers with restartPolicy:
// Always), started before the steps and stopped by the kubelet once the steps have ended. Their
// readinessProbe is also their startupProbe (unless they have one of their own, passed through), so
// the kubelet starts the steps only once each is ready (Tekton waits for their readiness the same
// way). Each runs under the agent, as a step does (with no wait file): its output spooled as the
// step after the last one and shipped by the log proxy as `sidecar-NAME`, SIGTERM forwarded to it.
// One without a probe is started by the kubelet, and the first step also waits until its agent
// says it has settled (contract SIDECAR_SETTLE), as on the host engine and podman.
import type { V1Container, V1ContainerPort, V1Probe, V1VolumeMount } from '@kubernetes/client-node';
import { entrypointArgv, KILN_ROOT, kilnPaths, TERMINATION_PATH } from '../../contract/index.js';
import { hasProbes, mapProbes, stepWorkspaces, type ResolvedSidecar, type TaskRunPlan } from '../../engine/index.js';
import { PodBuildError } from './errors.js';
import { boundedName } from './names.js';
import { lockedDown } from './pod-security.js';

/** Tekton's default TaskRun timeout, for a task without one. */
const TEKTON_DEFAULT_TIMEOUT_MS = 3_600_000;

export const sidecarContainerName = (name: string) => boundedName(`sidecar-${name}`);

const P = kilnPaths(KILN_ROOT);

/** The Pod's layout index of sidecar j: the steps' come first. */
const indexOf = (plan: TaskRunPlan, j: number) => plan.steps.length + j;

/** The settled files of the sidecars without probes, which the first step waits for after the go-ahead. */
export function sidecarsSettled(plan: TaskRunPlan): string[] {
  return (plan.sidecars ?? []).flatMap((s, j) => (hasProbes(s) ? [] : [P.settledFile(indexOf(plan, j))]));
}

/** What the pod builder lends a sidecar: path resolution and mounts as a step gets them. */
export interface SidecarMounts {
  /** What the agent needs, as a step has it: its tools, the run and log directories. */
  agent: V1VolumeMount[];
  resolve(text: string, plan: TaskRunPlan, sidecar: ResolvedSidecar): string;
  workspaceMount(plan: TaskRunPlan, workspace: string, sidecar: ResolvedSidecar): V1VolumeMount;
  volumeMounts(plan: TaskRunPlan, sidecar: ResolvedSidecar): V1VolumeMount[];
}

/** `restricted`: locked down as the steps are, so the Pod passes PodSecurity restricted. */
export function sidecarContainers(
  plan: TaskRunPlan,
  native: boolean,
  restricted: boolean,
  m: SidecarMounts,
): V1Container[] {
  const sidecars = plan.sidecars ?? [];
  if (sidecars.length && !native)
    throw new PodBuildError(
      plan.task,
      undefined,
      'has sidecars, which Kiln runs as native sidecars (init containers with restartPolicy: Always)',
      'use a Kubernetes 1.29 or later control plane',
    );
  const all = [...plan.steps, ...sidecars];
  return sidecars.map((s, j) => {
    const image = s.image ?? plan.image;
    if (!image) throw new PodBuildError(plan.task, s.name, 'is a sidecar without an image', 'give it image:');
    const probes = mapProbes(s, (t) => m.resolve(t, plan, s)) as { readinessProbe?: V1Probe; startupProbe?: V1Probe };
    const probe = probes.readinessProbe;
    // A written startupProbe is the kubelet's own gate; without one the readinessProbe serves as it,
    // given up no sooner than the task's timeout: Tekton waits for readiness that long, where the
    // kubelet's default (3 failures) would kill and restart a sidecar slower than 3 periods.
    const { successThreshold: _, ...fromReadiness } = structuredClone(probe) ?? {};
    const periodS = fromReadiness.periodSeconds ?? 10;
    const patience = Math.ceil((plan.timeoutMs ?? TEKTON_DEFAULT_TIMEOUT_MS) / 1000 / periodS) + 1;
    const startup = probes.startupProbe ?? (probe && { ...fromReadiness, failureThreshold: patience });
    const name = sidecarContainerName(s.name);
    return {
      name,
      image,
      restartPolicy: 'Always',
      command: entrypointArgv({
        agent: [P.agent],
        paths: P,
        index: indexOf(plan, j),
        stepName: name,
        // Its own code is in its exitCode file; the agent ends 0, so the kubelet sees no failure of it.
        onError: 'continue',
        terminationPath: TERMINATION_PATH,
        results: [],
        noWait: true,
        settledFile: hasProbes(s) ? undefined : P.settledFile(indexOf(plan, j)),
        command: commandOf(plan, s).map((a) => m.resolve(a, plan, s)),
      }),
      terminationMessagePath: TERMINATION_PATH,
      terminationMessagePolicy: 'File',
      workingDir: s.workingDir ? m.resolve(s.workingDir, plan, s) : undefined,
      env: Object.entries({ ...plan.env, ...s.env }).map(([name, value]) => ({
        name,
        value: m.resolve(value, plan, s),
      })),
      resources: s.resources ? { ...s.resources } : undefined,
      // A probe may name one of them: the kubelet resolves it from the container's ports.
      ...(s.ports && { ports: s.ports as unknown as V1ContainerPort[] }),
      ...(probe && { readinessProbe: probe }),
      ...(startup && { startupProbe: startup }),
      ...(restricted && { securityContext: lockedDown() }),
      volumeMounts: [
        ...m.agent,
        ...stepWorkspaces(s, all, plan.workspaces).map((w) => m.workspaceMount(plan, w.name, s)),
        ...m.volumeMounts(plan, s),
      ],
    };
  });
}

/**
 * A sidecar's argv: its command, or its script run by the shebang's interpreter with `-c` (sh
 * without one). A script has no file of its own in the Pod, as a step's has.
 */
function commandOf(plan: TaskRunPlan, s: ResolvedSidecar): string[] {
  if (s.script === undefined) return s.command!;
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?[^\n]*\n?/.exec(s.script);
  if (!shebang) return ['/bin/sh', '-c', s.script, 'sh', ...(s.scriptArgs ?? [])];
  const interpreter = shebang[1]!.endsWith('/env') && shebang[2] ? shebang[2] : shebang[1]!;
  if (!/(^|\/)(sh|bash|ash|dash|zsh|ksh|python[\d.]*)$/.test(interpreter))
    throw new PodBuildError(
      plan.task,
      s.name,
      `is a sidecar script for ${interpreter}, which Kiln cannot run with -c`,
      'write it for sh, bash or python, or give command:',
    );
  return [interpreter, '-c', s.script.slice(shebang[0].length), interpreter, ...(s.scriptArgs ?? [])];
}
