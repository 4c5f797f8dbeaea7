// The targets' own validators, built from their Go modules into ~/.cache/kiln/bin when missing
// (a fresh machine needs Go and the module proxy): actionlint for GitHub Actions workflows, and
// test/tools/argo-schema checking Argo Workflows against the JSON schema published in Argo's module
// (read from the module download; none of Argo's code is built or run).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const TOOLS_BIN = join(homedir(), '.cache', 'kiln', 'bin');
const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';
const ARGO_MODULE = 'github.com/argoproj/argo-workflows/v4@v4.0.5';
const REPO = resolve(import.meta.dirname, '..');

const go = (args: string[], cwd = REPO, env: NodeJS.ProcessEnv = {}) =>
  execFileSync('go', args, {
    cwd,
    env: { ...process.env, GOFLAGS: '-mod=mod', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });

export function actionlint(): string {
  const bin = join(TOOLS_BIN, 'actionlint');
  if (!existsSync(bin)) {
    mkdirSync(TOOLS_BIN, { recursive: true });
    go(['install', ACTIONLINT], REPO, { GOBIN: TOOLS_BIN });
  }
  return bin;
}

/** The Argo schema checker and the schema file from Argo's module. */
export function argoSchema(): { bin: string; schema: string } {
  const bin = join(TOOLS_BIN, 'argo-schema');
  if (!existsSync(bin)) {
    mkdirSync(TOOLS_BIN, { recursive: true });
    go(['build', '-o', bin, '.'], join(REPO, 'test/tools/argo-schema'));
  }
  const dir = (JSON.parse(go(['mod', 'download', '-json', ARGO_MODULE])) as { Dir: string }).Dir;
  return { bin, schema: join(dir, 'api/jsonschema/schema.json') };
}
