// Tekton's own validation, for tests: test/tekton-validate/ is a Go program that runs the
// tektoncd/pipeline module's SetDefaults and Validate on Tasks, Pipelines and PipelineRuns. Its
// binary is cached under ~/.cache/kiln/, named by a digest of its sources, and built when missing
// (a fresh machine builds it once: a few minutes, the modules coming from the Go module proxy).
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './kiln-cli.js';

const SOURCE = join(REPO, 'test/tekton-validate');
const FILES = ['go.mod', 'go.sum', 'main.go'];

/** The validator's path, built first when this version of its sources has no binary yet. */
export function tektonValidator(): string {
  const digest = createHash('sha256');
  for (const f of FILES) digest.update(readFileSync(join(SOURCE, f)));
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiln');
  const binary = join(dir, `tekton-validate-${digest.digest('hex').slice(0, 12)}`);
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    // Built to a temporary name and renamed: two workers building at once leave one whole binary.
    const tmp = `${binary}.${process.pid}.tmp`;
    execFileSync('go', ['build', '-o', tmp, '.'], { cwd: SOURCE, stdio: ['ignore', 'inherit', 'inherit'] });
    execFileSync('mv', [tmp, binary]);
  }
  return binary;
}

export interface TektonVerdict {
  code: number | null;
  /** One line per document: `OK Kind/name` or `FAIL Kind/name (file): errors`. */
  lines: string[];
}

/** `flags`: fields of Tekton's feature-flags ConfigMap to validate under (its defaults otherwise). */
export function validateWithTekton(
  binary: string,
  files: string[],
  flags: Record<string, string> = {},
): Promise<TektonVerdict> {
  const spec = Object.entries(flags).map(([k, v]) => `${k}=${v}`);
  return new Promise((done) => {
    execFile(binary, [...(spec.length ? ['-flags', spec.join(',')] : []), ...files], (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      done({ code, lines: `${stdout}${stderr}`.split('\n').filter(Boolean) });
    });
  });
}
