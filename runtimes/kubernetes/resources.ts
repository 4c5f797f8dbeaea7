// The shape of Kiln's custom resources as the controller reads and writes them (deploy/crds holds
// the OpenAPI schema the API server enforces).
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { ParamValue } from '../../syntax/index.js';
import type { TaskRunRecord } from '../../contract/index.js';

/** How a PipelineRun binds a workspace, Tekton's spelling. */
export interface WorkspaceBindingSpec {
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: Record<string, never>;
  volumeClaimTemplate?: unknown;
  subPath?: string;
}

export interface PipelineRunSpec {
  /** A Pipeline in the same namespace. Exactly one of pipelineRef and pipelineSpec. */
  pipelineRef?: { name: string };
  /** A pipeline in the Kiln syntax, embedded. */
  pipelineSpec?: Record<string, unknown>;
  params?: Record<string, ParamValue>;
  workspaces?: Record<string, WorkspaceBindingSpec>;
  /** Go-style duration ("1h30m"), overrides the pipeline's. */
  timeout?: string;
  /** `Cancelled` stops the run; `PipelineRunPending` (Tekton's word) holds it before it starts. */
  status?: 'Cancelled' | 'PipelineRunPending';
  serviceAccountName?: string;
}

export interface Condition {
  type: 'Succeeded';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message?: string;
  lastTransitionTime: string;
}

export interface PipelineRunStatusBlock {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  /** Wall time of a finished run ("1m30s"), for the printer column. */
  duration?: string;
  /** The pipeline's name, for printer columns and archiving. */
  pipeline?: string;
  taskRuns?: TaskRunRecord[];
  /** The pipeline's results, once it has ended (Tekton's status.results, as a map). */
  results?: Record<string, ParamValue>;
  /** Set once the run record reached the collector: the finalizer may go, Pods may be deleted. */
  archived?: boolean;
  /** The run's id at the collector (`kiln logs ID`): namespace, name and UID ([collectorRunId]). */
  runId?: string;
  /** The run could not start (bad spec): why. */
  reason?: string;
}

export interface PipelineRunResource {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: PipelineRunSpec;
  status?: PipelineRunStatusBlock;
}

export interface PipelineResource {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  /** A pipeline in the Kiln syntax (its `name` defaults to metadata.name). */
  spec: Record<string, unknown>;
}
