// A Kiln task's `sidecars:`: Tekton's sidecar fields, read by Tekton's reader (syntax/tekton/sidecars.ts)
// so both syntaxes accept and refuse the same things. A sidecar may name the pipeline's workspaces
// as a Tekton sidecar names its Task's; a Kiln task has no `volumes`, so it mounts none.
import type { TextReader } from './common.js';
import type { SidecarSpec } from './model.js';
import { readSidecars } from './tekton/sidecars.js';
import { checkStepWorkspaces } from './tekton/step-workspaces.js';
import type { At } from './yaml-source.js';

export function readKilnSidecars(
  reader: TextReader,
  at: At,
  what: string,
  workspaces: ReadonlySet<string>,
): SidecarSpec[] {
  const sidecars = readSidecars(reader, at, `${what}.sidecars`);
  for (const s of sidecars.filter((s) => s.volumeMounts?.length))
    reader.src.error(
      s.pos!,
      `${what}: sidecar "${s.name}" has volumeMounts, but a Kiln task has no volumes`,
      'share files through a workspace: workspaces: [{name: W, mountPath: /path}]',
    );
  checkStepWorkspaces(
    reader.src,
    sidecars,
    [...workspaces].map((name) => ({ name })),
    what,
  );
  return sidecars;
}
