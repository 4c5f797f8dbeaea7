// Runs a target's validator (actionlint, the strict Argo schema) on a file: its output when it
// finds problems (exit 1), '' when the file is valid; anything else (it did not run) throws.
import { execFileSync } from 'node:child_process';

export function validate(bin: string, args: string[]): string {
  try {
    execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return '';
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    if (e.status !== 1) throw err;
    return e.stdout + e.stderr;
  }
}
