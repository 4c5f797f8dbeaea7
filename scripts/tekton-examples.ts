// The tally of issue 16: every example under examples/v1/pipelineruns and examples/v1/taskruns of
// the tektoncd/pipeline Go module (with alpha/, beta/, no-ci/) through `kiln run` on the host
// engine, each in a scratch directory of its own with a timeout, then succeeded / failed / refused
// with the reason per file and the counts. The examples are read where Go put them; none is copied.
//
//   npx tsx scripts/tekton-examples.ts [--examples DIR] [--kiln BIN] [--timeout 120s] [--only SUBSTR] [--json FILE]
//
// Exit code: 0 (a tally, not a test). See docs/syntax.md ("Tekton's own examples").
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../contract/index.js';

const DEFAULT_EXAMPLES = join(
  process.env.HOME ?? '/root',
  'go/pkg/mod/github.com/tektoncd/pipeline@v1.6.0/examples/v1',
);

type Outcome = 'succeeded' | 'failed' | 'refused';
interface Tally {
  file: string;
  outcome: Outcome;
  reason: string;
  ms: number;
}

const { values } = parseArgs({
  options: {
    examples: { type: 'string', default: DEFAULT_EXAMPLES },
    kiln: { type: 'string', default: resolve(import.meta.dirname, '../bin/kiln.js') },
    timeout: { type: 'string', default: '120s' },
    only: { type: 'string' },
    json: { type: 'string' },
  },
});
const root = values.examples!;
const timeoutMs = parseDuration(values.timeout!) ?? 120_000;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

/** The first line that says why: a diagnostic (FILE:LINE:COL: …), an error, or a failed task. */
function reasonOf(outcome: Outcome, out: string): string {
  const lines = out.split('\n').map((l) => l.trim());
  const pick =
    outcome === 'refused'
      ? lines.find((l) => /:\d+:\d+: /.test(l) || /^(kiln: |error)/i.test(l))
      : (lines.find((l) => /\b(Failed|TimedOut)\b/.test(l) && !/^\S+ \S+: (Failed|TimedOut)/.test(l)) ??
        lines.find((l) => /error/i.test(l)));
  return (pick ?? lines.filter(Boolean).slice(-1)[0] ?? '').replace(/^.*?\.ya?ml:\d+:\d+: /, '').slice(0, 200);
}

function runOne(file: string): Promise<Tally> {
  const scratch = mkdtempSync(join(tmpdir(), 'kiln-tekton-example-'));
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [values.kiln!, 'run', '--engine', 'host', file], {
      cwd: scratch,
      env: { ...process.env, NO_COLOR: '1', KILN_COLLECTOR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // Its own process group: kiln run and what it started.
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(scratch, { recursive: true, force: true });
      const outcome: Outcome = code === 0 ? 'succeeded' : code === 2 ? 'refused' : 'failed';
      const reason = timedOut ? `no end after ${values.timeout}` : code === 0 ? '' : reasonOf(outcome, out);
      done({ file: relative(root, file), outcome, reason, ms: Date.now() - started });
    });
  });
}

const files = ['pipelineruns', 'taskruns']
  .flatMap((d) => yamlFiles(join(root, d)))
  .filter((f) => !values.only || f.includes(values.only));
const tallies: Tally[] = [];
for (const file of files) {
  const t = await runOne(file);
  tallies.push(t);
  console.log(`${t.outcome.padEnd(9)} ${t.file} (${(t.ms / 1000).toFixed(1)}s)${t.reason ? `: ${t.reason}` : ''}`);
}
const count = (o: Outcome) => tallies.filter((t) => t.outcome === o).length;
console.log(
  `\n${files.length} examples: ${count('succeeded')} succeeded, ${count('failed')} failed, ${count('refused')} refused`,
);
if (values.json) writeFileSync(values.json, JSON.stringify(tallies, null, 2) + '\n');
