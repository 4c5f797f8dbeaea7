// Tekton's field names, as Kiln reads them: known keys, keys read but not used locally, and
// keys refused with the reason. Unknown keys are errors (did-you-mean), as with kubectl --validate=strict.
import type { Refused } from '../yaml-source.js';

export const DOCUMENT_KEYS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'] as const;
export const DATA_DOCUMENT_KEYS = [
  'apiVersion',
  'kind',
  'metadata',
  'data',
  'binaryData',
  'stringData',
  'type',
  'immutable',
] as const;

export const TASK_SPEC_KEYS = [
  'description',
  'displayName',
  'params',
  'results',
  'workspaces',
  'steps',
  'stepTemplate',
  'resources',
  'metadata',
  'volumes',
  'sidecars',
] as const;
export const TASK_SPEC_REFUSED: Refused = {
  apiVersion: 'custom tasks are not supported; write the steps in a Task',
  kind: 'custom tasks are not supported; write the steps in a Task',
};

export const STEP_KEYS = [
  'name',
  'displayName',
  'image',
  'command',
  'args',
  'script',
  'env',
  'workingDir',
  'timeout',
  'onError',
  'computeResources',
  'resources',
  'securityContext',
  'imagePullPolicy',
  'ref',
  'params',
  'envFrom',
  'volumeMounts',
  'stdoutConfig',
  'stderrConfig',
  'results',
  'workspaces',
  'when',
] as const;
export const STEP_TEMPLATE_KEYS = [
  'image',
  'command',
  'args',
  'env',
  'envFrom',
  'workingDir',
  'computeResources',
  'resources',
  'securityContext',
  'imagePullPolicy',
  'volumeMounts',
] as const;
export const STEP_REFUSED: Refused = {
  volumeDevices: 'volume devices are not supported',
};
export const SIDECAR_KEYS = [
  'name',
  'image',
  'command',
  'args',
  'script',
  'env',
  'envFrom',
  'workingDir',
  'readinessProbe',
  'startupProbe',
  'computeResources',
  'resources',
  'securityContext',
  'imagePullPolicy',
  'volumeMounts',
  'workspaces',
  'ports',
] as const;
export const SIDECAR_REFUSED: Refused = {
  livenessProbe: 'a livenessProbe restarts a container, which Kiln does not do to a sidecar: drop it',
  lifecycle: "lifecycle hooks are not run: put the commands in the sidecar's script",
  stdin: 'a sidecar has no stdin in Kiln',
  tty: 'a sidecar has no terminal in Kiln',
  restartPolicy: 'a sidecar runs until the steps end, never restarted: drop restartPolicy',
};
/** Kubernetes' ContainerPort (a sidecar's `ports`). */
export const PORT_KEYS = ['name', 'containerPort', 'protocol', 'hostPort', 'hostIP'] as const;
export const PROBE_KEYS = [
  'exec',
  'tcpSocket',
  'httpGet',
  'initialDelaySeconds',
  'periodSeconds',
  'timeoutSeconds',
  'successThreshold',
  'failureThreshold',
] as const;
export const PROBE_REFUSED: Refused = {
  grpc: 'a gRPC probe is not supported: use exec (a command that succeeds once ready), tcpSocket or httpGet',
  terminationGracePeriodSeconds: 'not used by a readiness or startup probe',
};
export const STEP_ACTION_KEYS = [
  'description',
  'image',
  'command',
  'args',
  'script',
  'env',
  'params',
  'workingDir',
  'securityContext',
  'results',
] as const;

export const PARAM_DECL_KEYS = ['name', 'type', 'default', 'description', 'properties', 'enum'] as const;
export const RESULT_DECL_KEYS = ['name', 'type', 'description', 'properties', 'value'] as const;
export const STEP_RESULT_DECL_KEYS = ['name', 'type', 'description', 'properties'] as const;
export const STEP_WORKSPACE_KEYS = ['name', 'mountPath'] as const;
export const TASK_WORKSPACE_KEYS = ['name', 'description', 'mountPath', 'readOnly', 'optional'] as const;
export const PIPELINE_WORKSPACE_KEYS = ['name', 'description', 'optional'] as const;
export const ENV_KEYS = ['name', 'value', 'valueFrom'] as const;
export const VALUE_FROM_REFUSED: Refused = {
  fieldRef: "a Pod's fields exist only in a cluster; give a value, or use $(context.*) variables",
  resourceFieldRef: "a container's resources exist only in a cluster; give a value",
};
export const NAME_VALUE_KEYS = ['name', 'value'] as const;

export const PIPELINE_SPEC_KEYS = [
  'description',
  'displayName',
  'params',
  'workspaces',
  'tasks',
  'finally',
  'results',
  'resources',
] as const;
export const PIPELINE_TASK_KEYS = [
  'name',
  'displayName',
  'description',
  'taskRef',
  'taskSpec',
  'runAfter',
  'params',
  'workspaces',
  'when',
  'retries',
  'timeout',
  'matrix',
  'resources',
  'onError',
  'pipelineRef',
  'pipelineSpec',
] as const;
export const PIPELINE_TASK_REFUSED: Refused = {};
export const TASK_REF_KEYS = ['name', 'kind', 'apiVersion'] as const;
export const REF_REFUSED: Refused = {
  resolver:
    'Kiln resolves no remote reference: the hub, http and bundles resolvers need the network or an OCI registry, cluster a cluster, git a repository fetched; fetch the Task or Pipeline file (from the hub, the bundle, the repository) and pass it to kiln beside this one, referring to it by name',
  bundle:
    'Kiln pulls no OCI bundle: export the Task from the bundle (tkn bundle list) and pass its file to kiln beside this one',
  params:
    'Kiln resolves no remote reference: fetch the Task or Pipeline file and pass it to kiln beside this one, referring to it by name',
};
export const PIPELINE_TASK_WORKSPACE_KEYS = ['name', 'workspace', 'subPath'] as const;
export const MATRIX_KEYS = ['params', 'include'] as const;
export const MATRIX_INCLUDE_KEYS = ['name', 'params'] as const;
export const OLD_RESOURCES_KEYS = ['inputs', 'outputs'] as const;
export const OLD_RESOURCE_KEYS = ['name', 'resource', 'from', 'paths'] as const;

export const RUN_SPEC_IGNORED = [
  'serviceAccountName',
  'podTemplate',
  'status',
  'taskRunTemplate',
  'taskRunSpecs',
  'resources',
  'managedBy',
  'computeResources',
  'stepSpecs',
  'sidecarSpecs',
  'statusMessage',
] as const;
export const PIPELINE_RUN_SPEC_KEYS = [
  'pipelineRef',
  'pipelineSpec',
  'params',
  'workspaces',
  'timeouts',
  'timeout',
  ...RUN_SPEC_IGNORED,
] as const;
export const TASK_RUN_SPEC_KEYS = [
  'taskRef',
  'taskSpec',
  'params',
  'workspaces',
  'timeout',
  'retries',
  ...RUN_SPEC_IGNORED,
] as const;
export const TIMEOUTS_KEYS = ['pipeline', 'tasks', 'finally'] as const;
export const WORKSPACE_BINDING_KEYS = [
  'name',
  'subPath',
  'emptyDir',
  'volumeClaimTemplate',
  'persistentVolumeClaim',
] as const;
export const WORKSPACE_BINDING_REFUSED: Refused = {
  csi: 'a CSI driver needs a cluster; bind a directory with --workspace NAME=DIR',
};
