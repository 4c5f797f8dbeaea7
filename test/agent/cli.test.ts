// The executable's surface: --version, --help, bad flags, and `init` copying the agent.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kilnPaths } from '../../contract/index.js';
import { AGENT, AGENT_SCRIPT, REPO, requireBuilt, tempDir } from './helpers.js';

beforeAll(() => requireBuilt(AGENT, AGENT_SCRIPT));

const { version } = JSON.parse(readFileSync(`${REPO}/package.json`, 'utf8')) as { version: string };
/** Runs the single executable with an empty environment, as in a scratch image. */
const agent = (...args: string[]) => spawnSync(AGENT, args, { env: {}, encoding: 'utf8' });

describe('kiln-agent', () => {
  it('--version prints the package version with no environment and no node on PATH', () => {
    const r = agent('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`kiln-agent ${version}\n`);
  });

  it('--help lists the sub-commands; COMMAND --help lists its flags', () => {
    const r = agent('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/entrypoint\s+run one step/);
    expect(r.stdout).toMatch(/init\s+copy the agent/);
    const e = agent('entrypoint', '--help');
    expect(e.status).toBe(0);
    for (const flag of ['-wait_file', '-post_file', '-timeout', '-on_error', '-results_dir', '-log_dir'])
      expect(e.stdout).toContain(flag);
  });

  const bad: [string[], RegExp][] = [
    [['--frobnicate'], /^kiln-agent: unknown flag --frobnicate \(commands: [a-z-]+(, [a-z-]+)*\)\n$/],
    [['launch'], /^kiln-agent: unknown command launch/],
    [
      ['entrypoint', '-post_fil', '/x', '--', 'true'],
      /^kiln-agent: unknown flag -post_fil \(see kiln-agent entrypoint --help\)\n$/,
    ],
    [['entrypoint', '-timeout', 'soon', '--', 'true'], /^kiln-agent: flag -timeout: "soon" is not a duration/],
    [['init'], /^kiln-agent: usage: kiln-agent init DEST\n$/],
    [['init', '--force', '/tmp/x'], /^kiln-agent: unknown flag --force for init/],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 with one line for: ${args.join(' ')}`, () => {
      const r = agent(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('init copies the single executable, which then runs from its new place', () => {
    const dest = tempDir('init');
    const r = agent('init', dest);
    expect(r.status).toBe(0);
    const copy = kilnPaths(dest).agent;
    expect(statSync(copy).size).toBe(statSync(AGENT).size);
    expect(statSync(copy).mode & 0o111).toBe(0o111);
    expect(execFileSync(copy, ['--version'], { env: {}, encoding: 'utf8' })).toBe(`kiln-agent ${version}\n`);
  });

  it('init under plain node copies the running script', () => {
    const dest = tempDir('init-node');
    execFileSync(process.execPath, [AGENT_SCRIPT, 'init', dest]);
    const copy = kilnPaths(dest).agent;
    expect(readFileSync(copy)).toEqual(readFileSync(AGENT_SCRIPT));
    expect(execFileSync(process.execPath, [copy, '--version'], { encoding: 'utf8' })).toBe(`kiln-agent ${version}\n`);
  });
});
