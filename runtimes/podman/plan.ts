// A task run's workspaces on podman: every pipeline workspace is a host directory mounted into the
// Pod (hostPath), the bound one (`--workspace name=DIR`) or one per run for emptyDir and
// volumeClaimTemplate bindings, as on the host engine. The pod builder is given emptyDir bindings
// (it mounts no host directory on Kubernetes) and the volumes are swapped back in manifest.ts.
import { join, resolve } from 'node:path';
import { usedWorkspaces, type TaskRunPlan } from '../../engine/index.js';
import type { WorkspaceBinding } from '../../syntax/index.js';
import { volumeForWorkspace } from '../kubernetes/index.js';
import { PodmanError } from './errors.js';

export function forPodman(
  plan: TaskRunPlan,
  runDir: string,
): { plan: TaskRunPlan; workspaces: Record<string, string> } {
  // Tekton's credential initialization is done by the host engine (runtimes/host/credentials.ts):
  // in a container, $HOME and /tekton/creds would need writing into the image's own paths.
  if (plan.credentials)
    throw new PodmanError(
      `task run ${plan.name}: ServiceAccount "${plan.credentials.account}" gives credentials (Tekton's credential initialization), which the podman engine does not write`,
      [],
      '',
      'run it with --engine host, which writes them into the task run and sets $HOME',
    );
  const workspaces: Record<string, string> = {};
  const bindings: Record<string, WorkspaceBinding> = {};
  for (const ws of usedWorkspaces(plan)) {
    const b = plan.workspaceBindings[ws] ?? { kind: 'emptyDir' };
    if (b.kind === 'pvc' && !b.declared)
      throw new PodmanError(
        `task run ${plan.name}: workspace "${ws}" is bound to PersistentVolumeClaim "${b.claimName}", which podman cannot mount`,
        [],
        '',
        `bind it to a directory: kiln run --workspace ${ws}=DIR`,
      );
    workspaces[volumeForWorkspace(ws)] =
      b.kind === 'dir'
        ? resolve(b.path)
        : b.kind === 'pvc'
          ? join(runDir, 'claims', b.claimName)
          : join(runDir, 'workspaces', ws);
    bindings[ws] = { kind: 'emptyDir', ...(b.subPath && { subPath: b.subPath }) };
  }
  return { plan: { ...plan, workspaceBindings: bindings }, workspaces };
}
