// The objects of a run besides its Pods: the Secret holding its collector token and the PVCs of its
// volumeClaimTemplate workspaces. Each, like the Pods, is owned by the PipelineRun (deleted with it).
import type {
  V1OwnerReference,
  V1PersistentVolumeClaim,
  V1PersistentVolumeClaimSpec,
  V1Secret,
} from '@kubernetes/client-node';
import { usedWorkspaces, type TaskRunPlan } from '../../engine/index.js';
import { KILN_API_VERSION, LABELS, MANAGED_BY } from './labels.js';
import { boundedName, tokenSecretName, workspaceClaimName } from './names.js';

/** Where a run's objects go and whose they are (the pod builder's options extend these). */
export interface RunObjectOptions {
  namespace: string;
  /** The PipelineRun this Pod belongs to (ownerReference, garbage collection). */
  owner: { name: string; uid: string };
}

/** An owner reference to the PipelineRun: what the run creates is deleted with it. */
export function ownedBy(owner: RunObjectOptions['owner']): V1OwnerReference {
  return { apiVersion: KILN_API_VERSION, kind: 'PipelineRun', name: owner.name, uid: owner.uid, controller: true };
}

/** The Secret holding a run's collector token, mounted by every log proxy of the run. */
export function buildTokenSecret(plan: TaskRunPlan, opts: RunObjectOptions): V1Secret | undefined {
  if (!plan.collector) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: tokenSecretName(plan.pipelineRun),
      namespace: opts.namespace,
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.pipelineRun]: boundedName(plan.pipelineRun) },
      ownerReferences: [ownedBy(opts.owner)],
    },
    type: 'Opaque',
    stringData: { token: plan.collector.token },
  };
}

/** The PVCs a run's volumeClaimTemplate workspaces need, owned by the PipelineRun (deleted with it). */
export function buildClaims(
  plan: Pick<TaskRunPlan, 'pipelineRun' | 'workspaces' | 'workspaceBindings'>,
  opts: RunObjectOptions,
): V1PersistentVolumeClaim[] {
  return usedWorkspaces(plan).flatMap((ws) => {
    const b = plan.workspaceBindings[ws];
    if (b?.kind !== 'volumeClaimTemplate') return [];
    const template = (b.spec ?? {}) as {
      metadata?: { labels?: Record<string, string> };
      spec?: V1PersistentVolumeClaimSpec;
    };
    return [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: workspaceClaimName(plan.pipelineRun, ws),
          namespace: opts.namespace,
          labels: {
            ...template.metadata?.labels,
            [LABELS.managedBy]: MANAGED_BY,
            [LABELS.pipelineRun]: boundedName(plan.pipelineRun),
          },
          ownerReferences: [ownedBy(opts.owner)],
        },
        spec: template.spec ?? (template as V1PersistentVolumeClaimSpec),
      },
    ];
  });
}
