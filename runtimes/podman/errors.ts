import { KilnError } from '../../contract/index.js';

/** podman refused or failed a command the podman engine needed (the command and its stderr are kept). */
export class PodmanError extends KilnError {
  readonly code = 'podman';
  constructor(
    message: string,
    readonly argv: string[],
    readonly stderr: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
