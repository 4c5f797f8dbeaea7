// gitlab-ci-local for the benches that measure `kiln run` beside it: 4.70.x (4.75 needs Node 22),
// installed from npm into ~/.cache/kiln/bench/gitlab-ci-local on first use. Without it a bench
// says so loudly and fails: there is no figure without its baseline.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const GCL_VERSION = '4.70.x';
const GCL_DIR = join(homedir(), '.cache', 'kiln', 'bench', 'gitlab-ci-local');
export const GCL = join(GCL_DIR, 'node_modules', '.bin', 'gitlab-ci-local');

export function loudly(message: string): never {
  const bar = '!'.repeat(78);
  console.error(`${bar}\n!! NO BASELINE: ${message}\n!! The comparison with gitlab-ci-local was NOT measured.\n${bar}`);
  process.exit(1);
}

/** Installs gitlab-ci-local once, and checks it can run here (it needs rsync). */
export function installGitlabCiLocal(): void {
  if (!existsSync(GCL)) {
    console.log(`installing gitlab-ci-local@${GCL_VERSION} into ${GCL_DIR} (once)`);
    mkdirSync(GCL_DIR, { recursive: true });
    writeFileSync(join(GCL_DIR, 'package.json'), '{ "private": true }\n');
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', `gitlab-ci-local@${GCL_VERSION}`], {
      cwd: GCL_DIR,
      encoding: 'utf8',
    });
    if (npm.status !== 0 || !existsSync(GCL))
      loudly(`gitlab-ci-local@${GCL_VERSION} could not be installed from npm:\n${npm.stderr || npm.error}`);
  }
  if (spawnSync('rsync', ['--version']).status !== 0)
    loudly('gitlab-ci-local needs rsync (scripts/setup.sh installs it)');
}

/** A scratch git repository of `files` (gitlab-ci-local reads the repository and its remote). */
export function gitProject(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  // Kiln's own state stays out of gitlab-ci-local's copy of the project.
  writeFileSync(join(dir, '.gitignore'), '.kiln/\n.gitlab-ci-local/\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '.');
  git('remote', 'add', 'origin', 'https://gitlab.example/bench/project.git');
  git('add', '-A');
  git('-c', 'user.email=bench@kiln', '-c', 'user.name=bench', 'commit', '-qm', 'bench');
}
