// `$(workspaces.w.volume)` names the Pod volume the pod builder makes for the workspace: one name
// (engine/names.ts volumeForWorkspace), also when a long workspace name has to be shortened.
import { describe, expect, it } from 'vitest';
import { planForTask } from '../../../engine/preview.js';
import { buildPod } from '../../../runtimes/kubernetes/pod-builder.js';
import { parsePipelineText } from '../../../syntax/index.js';

// A valid workspace name (a DNS label) whose volume name, `ws-` + it, is past 63 characters.
const LONG = 'a-workspace-whose-name-just-fits-a-label-but-not-with-a-prefix';

describe('a workspace volume name', () => {
  for (const workspace of ['src', LONG]) {
    it(`is the same in $(workspaces.w.volume) and in the Pod (${workspace.length} characters)`, () => {
      const pipeline = parsePipelineText(
        `name: p\nworkspaces: [${workspace}]\ntasks:\n  t:\n    image: busybox\n    steps:\n      - command: [echo, "$(workspaces.${workspace}.volume)"]\n`,
        'inline.yaml',
      ).pipeline;
      const plan = planForTask(
        { runName: 'p-1', pipeline, params: {}, workspaces: { [workspace]: { kind: 'emptyDir' } } },
        't',
      );
      const pod = buildPod(plan, { namespace: 'ci', agentImage: 'kiln-agent', owner: { name: 'p-1', uid: 'u' } });
      const said = pod.spec!.containers[0]!.command!.at(-1)!;
      const volumes = pod.spec!.volumes!.map((v) => v.name);
      expect(volumes).toContain(said);
      expect(said.length).toBeLessThanOrEqual(63);
      expect(pod.spec!.containers[0]!.volumeMounts!.find((m) => m.mountPath === `/workspace/${workspace}`)?.name).toBe(
        said,
      );
    });
  }
});
