// Tekton's step `workspaces` (isolated workspaces): each names one of the Task's workspaces.
import type { StepSpec } from '../model.js';
import type { Source } from '../yaml-source.js';
import { suggest } from '../did-you-mean.js';

export function checkStepWorkspaces(
  src: Source,
  steps: StepSpec[],
  workspaces: { name: string }[],
  what: string,
): void {
  const names = workspaces.map((w) => w.name);
  for (const step of steps) {
    for (const w of step.workspaces ?? []) {
      if (names.includes(w.name)) continue;
      src.error(
        step.pos!,
        `${what}: step "${step.name}" names workspace "${w.name}", which the Task does not declare`,
        names.length ? suggest(w.name, names) : `declare it under the Task's workspaces: (- name: ${w.name})`,
      );
    }
    const mountPaths = (step.workspaces ?? []).flatMap((w) => (w.mountPath ? [w.mountPath] : []));
    for (const path of mountPaths) {
      if (!path.startsWith('/'))
        src.error(
          step.pos!,
          `${what}: step "${step.name}" mounts a workspace at "${path}", not an absolute path`,
          'give a path from /',
        );
    }
  }
}
