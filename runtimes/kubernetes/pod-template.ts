// A task run's `taskRunSpecs` pod fields (engine's plan.pod) applied to the Pod the builder made:
// its service account, Tekton's PodTemplate fields, labels and annotations. Kiln's own labels,
// annotations and containers' env win where they meet the template's (they drive the controller).
import type { V1Container, V1EnvVar, V1Pod, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import type { TaskRunPlan } from '../../engine/index.js';

/** Tekton's PodTemplate fields copied onto the Pod's spec as written. */
const COPIED = [
  'nodeSelector',
  'tolerations',
  'affinity',
  'runtimeClassName',
  'automountServiceAccountToken',
  'dnsPolicy',
  'dnsConfig',
  'enableServiceLinks',
  'priorityClassName',
  'schedulerName',
  'imagePullSecrets',
  'hostAliases',
  'hostNetwork',
  'topologySpreadConstraints',
] as const;

export function applyPodSpec(plan: TaskRunPlan, pod: V1Pod): V1Pod {
  const given = plan.pod;
  if (!given) return pod;
  const template = (given.podTemplate ?? {}) as Partial<V1PodSpec> & { env?: V1EnvVar[] };
  const spec: V1PodSpec = {
    ...pod.spec!,
    ...(given.serviceAccountName && { serviceAccountName: given.serviceAccountName }),
  };
  const copied = spec as unknown as Record<string, unknown>;
  for (const key of COPIED) if (template[key] !== undefined) copied[key] = template[key];
  if (template.securityContext) spec.securityContext = { ...spec.securityContext, ...template.securityContext };
  if (template.volumes?.length) spec.volumes = [...(spec.volumes ?? []), ...(template.volumes as V1Volume[])];
  if (template.env?.length) spec.containers = spec.containers.map((c) => withEnv(c, template.env!));
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      labels: { ...given.labels, ...pod.metadata?.labels },
      annotations: { ...given.annotations, ...pod.metadata?.annotations },
    },
    spec,
  };
}

/** The template's env under the container's own (a name the step sets keeps its value). */
function withEnv(container: V1Container, env: V1EnvVar[]): V1Container {
  const own = new Set((container.env ?? []).map((e) => e.name));
  return { ...container, env: [...env.filter((e) => !own.has(e.name)), ...(container.env ?? [])] };
}
