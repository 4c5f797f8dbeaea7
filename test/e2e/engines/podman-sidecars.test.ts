// Tekton sidecars on the podman engine, end to end through `kiln run --engine podman`: the steps
// start once each sidecar is ready (exec probes run with `podman exec`, httpGet on the Pod's host
// network), the sidecars share the task's workspace, they are stopped with SIGTERM once the steps
// have ended (a trap's line shows it), their output is on the console and at the collector as
// `sidecar-NAME`, a
// sidecar that ends non-zero before the steps fails the task run naming it, and nothing of the Pod
// is left in podman's store afterwards.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, startEngineSuite, type Containers } from '../../../testkit/podman.js';
import { kilnLogs, kilnRun } from '../../../testkit/kiln-cli.js';
import { freeFixedPort } from '../../../testkit/log-proxy-pod.js';

let c: Containers;
let image: string;
let root: string;

beforeAll(async () => {
  ({ c, image, root } = await startEngineSuite('kiln-pod-sidecars-'));
}, 300_000);

afterAll(() => c?.close());

async function onPodman(name: string, text: string) {
  const cwd = join(root, name);
  await mkdir(cwd, { recursive: true });
  await writeFile(join(cwd, 'taskrun.yaml'), text);
  const run = await kilnRun(['taskrun.yaml', '--engine', 'podman'], { cwd, env: c.env });
  expect(await leftovers(c)).toEqual([]);
  return run;
}

const taskRun = (name: string, spec: string) => `apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: ${name}
spec:
  workspaces:
    - name: shared
      emptyDir: {}
  taskSpec:
    workspaces:
      - name: shared
${spec}`;

describe('sidecars on the podman engine', () => {
  it('start before the steps, which wait for their probes, and are stopped by TERM after the last step', async () => {
    const port = await freeFixedPort();
    const { record, stderr } = await onPodman(
      'ready',
      taskRun(
        'pod-sidecars',
        `    sidecars:
      - name: files
        image: ${image}
        script: |
          trap 'echo "files stopped by TERM"; exit 0' TERM
          sleep 0.5
          echo up > $(workspaces.shared.path)/state
          echo "files up"
          while true; do sleep 0.1; done
        startupProbe:
          exec:
            command: [sh, -c, "test -f $(workspaces.shared.path)/state"]
          failureThreshold: 100
      - name: web
        image: ${image}
        script: |
          mkdir -p $(workspaces.shared.path)/www && echo "served by the sidecar" > $(workspaces.shared.path)/www/index.html
          sleep 0.5
          exec httpd -f -p 127.0.0.1:${port} -h $(workspaces.shared.path)/www
        readinessProbe:
          httpGet:
            port: ${port}
            path: /index.html
    steps:
      - name: check
        image: ${image}
        script: |
          echo "state: $(cat $(workspaces.shared.path)/state)"
          echo "web: $(wget -q -O - http://127.0.0.1:${port}/index.html)"
      - name: second
        image: ${image}
        script: echo "second step"
`,
      ),
    );
    expect(record.status, stderr).toBe('Succeeded');
    expect(stderr).toContain('pod-sidecars/sidecar-files | files up');
    expect(stderr).toContain('pod-sidecars/check | state: up');
    expect(stderr).toContain('pod-sidecars/check | web: served by the sidecar');
    expect(stderr).toContain('pod-sidecars/second | second step');
    expect(stderr).toContain('pod-sidecars/sidecar-files | files stopped by TERM');
    // Shipped to the collector as the host engine ships them: the sidecar's lines to its end.
    const logs = await kilnLogs(record.id, { cwd: join(root, 'ready'), env: c.env });
    expect(logs).toMatch(/sidecar-files.*files up/);
    expect(logs).toMatch(/sidecar-files.*files stopped by TERM/);
  }, 300_000);

  it('fail the task run when a sidecar ends non-zero before the steps, naming it and its code', async () => {
    const { record, stderr } = await onPodman(
      'early',
      taskRun(
        'pod-sidecar-early',
        `    sidecars:
      - name: server
        image: ${image}
        script: |
          echo "giving up"
          exit 3
        readinessProbe:
          exec:
            command: [sh, -c, "exit 1"]
    steps:
      - name: work
        image: ${image}
        script: echo "the step ran"
`,
      ),
    );
    expect(record.status, stderr).toBe('Failed');
    expect(record.tasks[0]).toMatchObject({
      reason: 'SidecarFailed',
      message: 'sidecar "server" exited with code 3 before the steps ended',
    });
    expect(stderr).toContain('pod-sidecar-early/sidecar-server | giving up');
    expect(stderr).toContain('pod-sidecar-early/work | the step ran');
  }, 300_000);

  it('kill a sidecar whose startupProbe gives up, run the steps, and fail the task run naming the probe', async () => {
    const { record, stderr } = await onPodman(
      'startup',
      taskRun(
        'pod-sidecar-startup',
        `    sidecars:
      - name: server
        image: ${image}
        script: |
          while true; do sleep 0.1; done
        startupProbe:
          exec:
            command: [sh, -c, "exit 1"]
          failureThreshold: 2
    steps:
      - name: work
        image: ${image}
        script: echo "the step ran"
`,
      ),
    );
    expect(record.status, stderr).toBe('Failed');
    expect(record.tasks[0]).toMatchObject({
      reason: 'SidecarFailed',
      message:
        'sidecar "server" exited with code 137 before the steps ended: its startupProbe failed 2 times (failureThreshold)',
    });
    expect(stderr).toContain('pod-sidecar-startup/work | the step ran');
  }, 300_000);

  it('time the task run out when a sidecar is never ready, the steps never started and nothing left', async () => {
    const { record, stderr } = await onPodman(
      'never',
      taskRun(
        'pod-sidecar-never',
        `    sidecars:
      - name: server
        image: ${image}
        script: |
          while true; do sleep 0.1; done
        readinessProbe:
          exec:
            command: [sh, -c, "exit 1"]
    steps:
      - name: work
        image: ${image}
        script: echo "the step ran"
`,
      ).replace('spec:\n  workspaces:', 'spec:\n  timeout: 3s\n  workspaces:'),
    );
    expect(record.tasks[0]!.status, stderr).toBe('TimedOut');
    expect(stderr).toContain('TimedOut while sidecar "server" was not yet ready; the steps never started');
    expect(stderr).not.toContain('the step ran');
  }, 300_000);
  it('start the steps once sidecars without probes have settled or ended, or after the bound with a warning', async () => {
    const shared = '$(workspaces.shared.path)';
    const { record, stderr } = await onPodman(
      'settle',
      taskRun(
        'pod-sidecar-settle',
        `    sidecars:
      - name: busy
        image: ${image}
        script: |
          i=0
          while [ $i -lt 100000 ]; do i=$((i + 1)); done
          echo foo > ${shared}/busy
          sleep 600
      - name: brief
        image: ${image}
        script: echo bar > ${shared}/brief
      - name: spinner
        image: ${image}
        script: while true; do :; done
    steps:
      - name: check
        image: ${image}
        script: echo "busy says $(cat ${shared}/busy), brief says $(cat ${shared}/brief)"
`,
      ),
    );
    expect(record.status, stderr).toBe('Succeeded');
    expect(stderr).toContain('pod-sidecar-settle/check | busy says foo, brief says bar');
    expect(stderr).toContain('sidecar "spinner" has no probe and was still busy after 5 s; the steps start anyway');
    expect(stderr).not.toMatch(/warning.*"(busy|brief)"/);
  }, 300_000);
});
