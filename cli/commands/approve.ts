// `kiln approve RUN TASK [-m comment]`, `kiln reject RUN TASK -m reason`: a person decides an
// approval gate through the collector, with their named token (`kiln token create`). The
// collector is --collector/KILN_COLLECTOR, else the one the run's record names (a local run's
// embedded collector, alive while its `kiln run` is).
import type { Command } from 'commander';
import { RUN_LABELS, UsageError } from '../../contract/index.js';
import { CollectorClient } from '../../collector/index.js';
import { withReader } from '../reader-options.js';
import { requireRun } from './get.js';

interface DecideFlags {
  message?: string;
  collector?: string;
  token?: string;
  db?: string;
}

async function collectorOf(run: string, f: DecideFlags): Promise<string> {
  const named = f.collector || process.env.KILN_COLLECTOR;
  if (named) return named;
  const record = await withReader({ db: f.db }, (r) => requireRun(r, run));
  // Its embedded collector ended with it: say so rather than fail to connect.
  if (record.status !== 'Running')
    throw new UsageError(`run ${run} has ended (${record.status}): nothing waits for a decision`);
  const url = record.labels?.[RUN_LABELS.collector];
  if (!url)
    throw new UsageError(
      `run ${run}'s record names no collector to decide through`,
      'name it with --collector URL or KILN_COLLECTOR',
    );
  return url;
}

function register(program: Command, verb: 'approve' | 'reject'): void {
  const reject = verb === 'reject';
  program
    .command(verb)
    .description(
      reject
        ? 'reject an approval gate of a running run: the gate fails, and the run with it'
        : 'approve an approval gate of a running run: the tasks after it go on',
    )
    .argument('<run>', 'pipeline run id')
    .argument('<task>', 'the approval task; one in a called pipeline by its path, as deploy/gate')
    .option('-m, --message <text>', reject ? 'why (required)' : 'a comment kept with the decision')
    .option('--collector <url>', 'collector base URL (default: $KILN_COLLECTOR, else the one the run reports to)')
    .option('--token <token>', 'your named token (default: $KILN_TOKEN)')
    .option('--db <url>', 'local store to find the run in when no collector is named')
    .action(async (run: string, task: string, f: DecideFlags) => {
      if (reject && !f.message?.trim())
        throw new UsageError('kiln reject needs a reason', `kiln reject ${run} ${task} -m "why"`);
      const token = f.token || process.env.KILN_TOKEN;
      if (!token)
        throw new UsageError(
          `kiln ${verb} needs your named token`,
          'create one with `kiln token create NAME --group GROUP` (it needs the collector secret) and set KILN_TOKEN',
        );
      const client = new CollectorClient(await collectorOf(run, f), token);
      const answer = await client.decideApproval(run, task, {
        decision: verb,
        ...(f.message ? { comment: f.message } : {}),
      });
      const a = answer.approval;
      process.stdout.write(`${run} ${task}: ${a.decision} by ${a.by} at ${a.at}\n`);
    });
}

export function registerApprove(program: Command): void {
  register(program, 'approve');
  register(program, 'reject');
}
