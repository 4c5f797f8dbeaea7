// The reliability soak, short (about a minute; bench/soak.bench.ts runs it for ten): concurrent
// noisy runs against a collector that is SIGKILLed every few seconds and whose disk fills up once.
// Every line is stored once and in order, or the record says the step's logs are incomplete;
// every run ends as it should; nothing the runs started is left; the collector's memory stays bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild } from '../../testkit/log-proxy-pod.js';
import { judgeStep, runSoak, type SoakReport } from '../../testkit/soak.js';

const MiB = 1024 * 1024;

describe('soak: floods and trickles through collector kills and a full disk', () => {
  let dir: string;
  let report: SoakReport;
  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'kiln-soak-'));
    report = await runSoak({
      dir,
      runs: 6,
      floodLines: 50_000,
      trickleLines: 150,
      killEveryMs: 6_000,
      downMs: 1_500,
      diskFill: { sizeMiB: 96, atMs: 9_000, fillMs: 2_000 },
    });
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('killed the collector and filled its disk while the runs went on', () => {
    expect(report.collectorKills).toBeGreaterThanOrEqual(2);
    expect(report.diskFill).not.toBe('off');
  });

  it('ends every run as it should', () => {
    const outcome = report.runs.map((r) => [r.kind, r.exitCode, r.record?.status, r.record?.tasks[0]?.status]);
    const want = [
      ['cancelled', 130, 'Cancelled', 'Cancelled'],
      ['timeout', 1, 'Failed', 'TimedOut'],
      ...report.runs.slice(2).map(() => ['normal', 0, 'Succeeded', 'Succeeded']),
    ];
    expect(outcome, report.runs.map((r) => r.stderrTail).join('\n---\n')).toEqual(want);
  });

  it('stores every line once and in order, or says which logs are incomplete', () => {
    for (const run of report.runs) {
      expect(run.steps.length, `${run.kind}: ${run.stderrTail}`).toBe(2);
      for (const step of run.steps) {
        const verdict = judgeStep(step, run);
        expect(
          ['complete', 'reported-incomplete', 'prefix'],
          `${run.kind} ${step.task}/${step.step}: ${verdict}`,
        ).toContain(verdict);
        if (run.kind === 'normal') expect(verdict, `${step.task}/${step.step}`).toBe('complete');
      }
    }
  });

  it('leaves no process of any run behind', () => {
    expect(report.leftProcesses).toEqual([]);
  });

  it('keeps the collector within bounded memory', () => {
    expect(report.peakCollectorRssBytes).toBeGreaterThan(0);
    expect(report.peakCollectorRssBytes).toBeLessThan(512 * MiB);
  });
});
