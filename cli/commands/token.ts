// `kiln token create NAME [--group G]… [--expires 30d]`: a named token for a person or a group,
// minted with the collector's write secret, for deciding approvals (and reading).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { durationFlag, UsageError } from '../../contract/index.js';
import { badIdentityName, mintPersonToken } from '../../collector/index.js';

interface TokenFlags {
  group: string[];
  expires?: string;
  secretFile?: string;
}

function collectorSecret(f: TokenFlags): string {
  if (!f.secretFile && process.env.KILN_COLLECTOR_SECRET) return process.env.KILN_COLLECTOR_SECRET;
  const file = f.secretFile ?? join('.kiln', 'collector-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new UsageError(
      `cannot read the collector secret ${file}`,
      'set KILN_COLLECTOR_SECRET, or pass --secret-file (kiln collector prints where its secret is)',
    );
  }
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('named tokens: who decides approvals');
  token
    .command('create')
    .description("print a named token for a person or group, minted with the collector's secret")
    .argument('<name>', 'who holds it (recorded as `by` on their decisions)')
    .option(
      '--group <group>',
      'a group it belongs to (repeatable): approvers may name groups',
      (g, all: string[]) => [...all, g],
      [],
    )
    .option('--expires <duration>', 'refused after this long (e.g. 30d); default: until the secret changes')
    .option(
      '--secret-file <file>',
      'the collector secret (default: $KILN_COLLECTOR_SECRET, else .kiln/collector-secret)',
    )
    .action((name: string, f: TokenFlags) => {
      for (const n of [name, ...f.group]) {
        const bad = badIdentityName(n);
        if (bad) throw new UsageError(bad);
      }
      const exp =
        f.expires === undefined ? undefined : Math.floor((Date.now() + durationFlag('--expires', f.expires)) / 1000);
      process.stdout.write(mintPersonToken(collectorSecret(f), { name, groups: f.group, exp }) + '\n');
    });
}
