// `kiln completion bash|zsh|fish`: scripts made from the command tree. The bash one is loaded into
// a real bash and asked for completions as the shell would ask.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runKiln } from '../../testkit/log-proxy-pod.js';

let script: string;
const dir = mkdtempSync(join(tmpdir(), 'kiln-completion-'));

beforeAll(async () => {
  requireBuild();
  const r = await runKiln(dir, ['completion', 'bash']);
  expect(r.status).toBe(0);
  script = join(dir, 'kiln.bash');
  writeFileSync(script, r.stdout);
});

/** What bash offers after `line` (the last word is the one being completed). */
function complete(line: string): string[] {
  const words = line.split(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `source "$1"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kiln; printf '%s\\n' "\${COMPREPLY[@]}"`,
      '_',
      script,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('kiln completion', () => {
  it("bash: commands, a command's flags, a nested command, files for a pipeline argument", () => {
    expect(complete('kiln ru')).toEqual(['run', 'runs']);
    expect(complete('kiln logs --ta')).toEqual(['--tail', '--task']);
    expect(complete('kiln runs -')).toContain('--watch');
    expect(complete('kiln templates s')).toEqual(['show']);
    expect(complete('kiln templates show --j')).toEqual(['--json']);
    writeFileSync(join(dir, 'pipe.yaml'), '');
    expect(complete('kiln run pi')).toEqual(['pipe.yaml']);
  });

  it('zsh and fish name every command and flag; another shell is refused', async () => {
    const zsh = (await runKiln(dir, ['completion', 'zsh'])).stdout;
    expect(zsh.startsWith('#compdef kiln\n')).toBe(true);
    expect(zsh).toContain("'describe:describe one run");
    expect(zsh).toContain("'*--since[only lines newer than this (e.g. 10m, 2h)]:value:_files'");
    const fish = (await runKiln(dir, ['completion', 'fish'])).stdout;
    expect(fish).toContain("complete -c kiln -n '__fish_use_subcommand' -a cancel -d");
    expect(fish).toContain(
      "complete -c kiln -n '__fish_seen_subcommand_from logs' -l tail -r -d 'only the last N lines",
    );
    const bad = await runKiln(dir, ['completion', 'tcsh']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('give bash, zsh or fish');
  });
});
