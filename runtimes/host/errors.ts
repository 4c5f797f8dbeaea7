import { KilnError } from '../../contract/index.js';

/** A task run the local runtime cannot run as asked (a PVC workspace, no agent found…). */
export class LocalRuntimeError extends KilnError {
  readonly code = 'local-runtime';
  constructor(
    message: string,
    readonly taskRun: string | undefined,
    readonly hint?: string,
  ) {
    super(message);
  }
}
