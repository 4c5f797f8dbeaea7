// Shared by the agent's integration tests: the built executables, one step's flags laid out as in
// a pod (contract/pod-layout.ts), and process/file waits bounded by a timeout.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FsWaiter } from '../../agent/entrypoint/fs-waiter.js';
import { ENTRYPOINT_FLAGS as F, kilnPaths } from '../../contract/index.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const AGENT = join(REPO, 'dist/kiln-agent');
export const AGENT_SCRIPT = join(REPO, 'dist/agent.cjs');
export const PORTABLE_TREE = join(REPO, 'dist/kiln');

/** Fails with the fix when the build has not run. */
export function requireBuilt(...paths: string[]): void {
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p} is missing: run \`npm run build\` first (npm test does it)`);
  }
}

export const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `kiln-agent-${label}-`));

export interface StepFlags {
  wait?: string[];
  waitContent?: boolean;
  results?: string[];
  timeout?: string;
  timeoutGrace?: string;
  onError?: 'continue' | 'stopAndFail';
  name?: string;
}

/** The entrypoint flags of step i of a task run rooted at `root`, as the local runtime passes them. */
export function stepArgs(root: string, i: number, flags: StepFlags, command: string[]): string[] {
  const p = kilnPaths(root);
  const args = [
    F.postFile,
    p.postFile(i),
    F.terminationPath,
    p.localTerminationFile(i),
    F.stepMetadataDir,
    p.stepMetadataDir(i),
    F.resultsDir,
    p.resultsDir,
    F.logDir,
    p.logDir,
    F.stepIndex,
    String(i),
    F.stepName,
    flags.name ?? `step-${i}`,
  ];
  if (flags.wait) args.push(F.waitFile, flags.wait.join(','));
  if (flags.waitContent) args.push(F.waitFileContent);
  if (flags.results) args.push(F.results, flags.results.join(','));
  if (flags.timeout) args.push(F.timeout, flags.timeout);
  if (flags.timeoutGrace) args.push(F.timeoutGrace, flags.timeoutGrace);
  if (flags.onError) args.push(F.onError, flags.onError);
  return ['entrypoint', ...args, '--', ...command];
}

export interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(file: string, args: string[], options: SpawnOptions = {}): Started {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
    child.once('error', rej);
    child.once('close', (code, signal) => res({ code, signal }));
  });
  return { child, exit, stdout: () => Buffer.concat(out).toString(), stderr: () => Buffer.concat(err).toString() };
}

/** Resolves once `path` exists and is non-empty; rejects after `timeoutMs`. */
export async function waitForFile(path: string, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms waiting for ${path}`)), timeoutMs);
  });
  try {
    await Promise.race([new FsWaiter({ watched: 20, unwatched: 20 }).waitFor(path, { content: true }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a process has ended (gone, or a zombie nobody reaped yet). */
export function processEnded(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export const readJson = (path: string) =>
  JSON.parse(readFileSync(path, 'utf8')) as { key: string; value: string; type: number }[];
