// Errors of the Kubernetes runtime, with the fields a caller needs to point at the cause.
import { KilnError } from '../../contract/index.js';

/** A task that cannot become a Pod: what is wrong, in which task and step, and how to fix it. */
export class PodBuildError extends KilnError {
  readonly code = 'pod-build';
  constructor(
    readonly task: string,
    readonly step: string | undefined,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`task "${task}"${step ? ` step "${step}"` : ''} ${problem}`);
  }
}

/** An API call that failed for a reason other than the ones the reconciler handles (404, 409). */
export class KubeApiError extends KilnError {
  readonly code = 'kube-api';
  constructor(
    readonly verb: string,
    readonly resource: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`Kubernetes API ${verb} ${resource} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`);
  }
}
