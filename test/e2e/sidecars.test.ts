// Tekton sidecars on the host engine, end to end through `kiln run`: the sidecar is stopped with
// SIGTERM once the steps have ended (its trap's line is in the task's logs, shipped to the
// collector), and nothing it started is left running when the run has ended.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markedProcesses } from '../../contract/proc/index.js';
import { kilnLogs, kilnRun } from '../../testkit/kiln-cli.js';

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

const scratch = mkdtempSync(join(tmpdir(), 'kiln-sidecars-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const TASK_RUN = `apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: sidecar-stop
spec:
  taskSpec:
    sidecars:
      - name: server
        image: busybox
        script: |
          trap 'echo "stopped by TERM"; exit 0' TERM
          sleep 600 &
          echo "server up"
          touch UP_FILE
          while true; do sleep 0.1; done
        readinessProbe:
          exec:
            command: [test, -f, UP_FILE]
    steps:
      - name: work
        image: busybox
        script: echo "step ran"
`;

describe('sidecars on the host engine', () => {
  it('stops the sidecar after the steps, with its logs shipped and no process left', async () => {
    // The steps start once the sidecar has set its trap and says it is up.
    const file = join(scratch, 'sidecar.yaml');
    writeFileSync(file, TASK_RUN.replaceAll('UP_FILE', join(scratch, 'up')));
    const { record, stderr } = await kilnRun([file], { cwd: scratch });
    expect(record.status, stderr).toBe('Succeeded');
    expect(stderr).toContain('sidecar-stop/sidecar-server | server up');
    expect(stderr).toContain('sidecar-stop/work | step ran');
    expect(stderr).toContain('sidecar-stop/sidecar-server | stopped by TERM');
    // Its `sleep 600 &` too: nothing of the task run outlives it (the pipeline run's own agent
    // runner, which carries the run's marker as well, may still be exiting: it is not the task's).
    const left = markedProcesses(record.id, [process.pid]).filter((pid) => cmdline(pid).includes('sleep'));
    expect(left).toEqual([]);
    const logs = await kilnLogs(record.id, { cwd: scratch });
    expect(logs).toContain('stopped by TERM');
  });
});
