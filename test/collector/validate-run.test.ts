// The collector keeps a run record whose steps say how their logs fared (StepRecord.logsComplete).
import { describe, expect, it } from 'vitest';
import { checkRunRecord, mergeRunPatch } from '../../collector/validate-run.js';
import { runRecord } from '../../testkit/store-fixtures.js';

describe('run record validation', () => {
  it('accepts steps marked with incomplete logs, on POST and PATCH', () => {
    const base = runRecord('r1');
    const tasks = [
      {
        ...(base.tasks[0] ?? { name: 't', taskRun: 'r1-t', status: 'Succeeded', attempts: 1, results: {} }),
        steps: [
          {
            name: 's',
            status: 'Succeeded',
            exitCode: 0,
            logsComplete: false,
            logsUndelivered: { lines: 1000, spool: '/w/.kiln/runs/r1/r1-t/logs/0.spool' },
          },
        ],
      },
    ];
    const posted = checkRunRecord({ ...base, tasks }, 'POST /v1/runs');
    expect(posted.tasks[0]!.steps[0]).toMatchObject({ logsComplete: false, logsUndelivered: { lines: 1000 } });
    expect(mergeRunPatch(base, { tasks }, 'r1').tasks[0]!.steps[0]!.logsComplete).toBe(false);
  });
});
