// The per-feature Tekton cases (test/e2e/tekton-cases/): each file's expectations, read from its
// leading comments (the directives are described in test/e2e/tekton-cases.test.ts).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './kiln-cli.js';

export const CASES = join(REPO, 'test/e2e/tekton-cases');

export interface CaseExpectations {
  status?: string;
  reason?: string;
  logs: string[];
  noLogs: string[];
  refused?: string;
  args: string[];
}

export function caseExpectations(text: string): CaseExpectations {
  const out: CaseExpectations = { logs: [], noLogs: [], args: [] };
  for (const line of text.split('\n')) {
    const m = /^# (expect-[a-z-]+|args): (.*)$/.exec(line);
    if (!m) continue;
    const value = m[2]!;
    if (m[1] === 'expect-status') out.status = value;
    else if (m[1] === 'expect-reason') out.reason = value;
    else if (m[1] === 'expect-log') out.logs.push(value);
    else if (m[1] === 'expect-no-log') out.noLogs.push(value);
    else if (m[1] === 'expect-refused') out.refused = value;
    else if (m[1] === 'args') out.args.push(...value.split(' '));
    else throw new Error(`unknown case directive ${m[1]}`);
  }
  return out;
}

export const tektonCases = (): string[] =>
  readdirSync(CASES)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
