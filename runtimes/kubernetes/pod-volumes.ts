// The volumes of a task run's Pod: Kiln's own (tools, run state, results, logs, the Downward API
// go-ahead, scripts, the collector token), the pipeline workspaces as the run binds them, and the
// task's own volumes. The pod builder mounts them into its containers.
import { posix } from 'node:path';
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { usedWorkspaces, volumeForWorkspace, type ResolvedStep, type TaskRunPlan } from '../../engine/index.js';
import { ANNOTATIONS } from './labels.js';
import { boundedName, tokenSecretName, workspaceClaimName } from './names.js';
import { PodBuildError } from './errors.js';

export function kilnVolumes(plan: TaskRunPlan, scripts: Map<number, string>, restricted: boolean): V1Volume[] {
  const volumes: V1Volume[] = [
    { name: 'kiln-bin', emptyDir: {} },
    { name: 'kiln-lib', emptyDir: {} },
    { name: 'kiln-run', emptyDir: {} },
    { name: 'kiln-results', emptyDir: {} },
    { name: 'kiln-logs', emptyDir: {} },
    {
      name: 'kiln-downward',
      downwardAPI: { items: [{ path: 'ready', fieldRef: { fieldPath: annotationField(ANNOTATIONS.ready) } }] },
    },
  ];
  if (scripts.size) {
    volumes.push({
      name: 'kiln-scripts',
      downwardAPI: {
        defaultMode: 0o555,
        items: [...scripts.keys()].map((i) => ({
          path: String(i),
          fieldRef: { fieldPath: annotationField(ANNOTATIONS.script(i)) },
        })),
      },
    });
  }
  // Readable by the Pod's fsGroup when `restricted`; else by whatever user a step's image has
  // (every user in the Pod is the run's own).
  if (plan.collector)
    volumes.push({
      name: 'kiln-token',
      secret: { secretName: tokenSecretName(plan.pipelineRun), defaultMode: restricted ? 0o440 : 0o444 },
    });
  return volumes;
}

const annotationField = (key: string) => `metadata.annotations['${key}']`;
// The Pod volume of a pipeline workspace is the engine's name, which `$(workspaces.w.volume)` reads too.
export { volumeForWorkspace };

/** The Pod volume of one of the task's own volumes (Tekton's `volumes`). */
export const volumeForTaskVolume = (name: string) => boundedName(`vol-${name}`);

/** The task's own volumes, as written (an emptyDir, a ConfigMap, Secret or projected source). */
export const taskVolumes = (plan: TaskRunPlan): V1Volume[] =>
  (plan.volumes ?? [])
    .filter((v) => !v.podTemplate) // the pod template gives the Pod its own (pod-template.ts)
    .map((v) => ({ name: volumeForTaskVolume(v.name), ...(v.source as Omit<V1Volume, 'name'>) }));

export function workspaceVolumes(plan: TaskRunPlan): V1Volume[] {
  return usedWorkspaces(plan).map((ws): V1Volume => {
    const binding = plan.workspaceBindings[ws];
    const name = volumeForWorkspace(ws);
    if (!binding)
      throw new PodBuildError(
        plan.task,
        undefined,
        `uses workspace "${ws}" but the run binds none`,
        `bind it in the PipelineRun's spec.workspaces`,
      );
    switch (binding.kind) {
      case 'emptyDir':
        return { name, emptyDir: {} };
      case 'pvc':
        return { name, persistentVolumeClaim: { claimName: binding.claimName } };
      case 'volumeClaimTemplate':
        return { name, persistentVolumeClaim: { claimName: workspaceClaimName(plan.pipelineRun, ws) } };
      case 'files':
        return { name, ...(binding.volume as Omit<V1Volume, 'name'>) };
      case 'dir':
        throw new PodBuildError(
          plan.task,
          undefined,
          `binds workspace "${ws}" to a host directory, which Kiln does not mount on Kubernetes`,
          'bind it to a persistentVolumeClaim, a volumeClaimTemplate or an emptyDir',
        );
    }
  });
}

/** Tekton's /tekton/home: an emptyDir its steps share (a step's own volume mounted there wins). */
const TEKTON_HOME = '/tekton/home';
const namesTektonHome = (plan: TaskRunPlan) => JSON.stringify(plan.steps).includes(TEKTON_HOME);

/** The /tekton/home volume, when a step names the path (a Kiln Pod lays out /kiln, not /tekton). */
export const tektonHomeVolumes = (plan: TaskRunPlan): V1Volume[] =>
  namesTektonHome(plan) ? [{ name: 'tekton-home', emptyDir: {} }] : [];

export function tektonHomeMounts(plan: TaskRunPlan, step: ResolvedStep): V1VolumeMount[] {
  const own = step.volumeMounts?.some((m) => posix.normalize(m.mountPath) === TEKTON_HOME);
  return namesTektonHome(plan) && !own ? [{ name: 'tekton-home', mountPath: TEKTON_HOME }] : [];
}
