// The portability proof: the dist/kiln tree runs in a root file system that holds nothing but
// /kiln and a static busybox (no glibc, no node), sequencing three steps. bubblewrap plays the
// container runtime; the steps share the root, as containers of one pod share /kiln.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kilnPaths } from '../../contract/index.js';
import { PORTABLE_TREE, requireBuilt, start, stepArgs, tempDir } from './helpers.js';

const BUSYBOX = '/bin/busybox';

beforeAll(() => {
  requireBuilt(`${PORTABLE_TREE}/bin/kiln-agent`, `${PORTABLE_TREE}/lib`);
  for (const tool of ['bwrap', BUSYBOX]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} is missing: install bubblewrap and busybox-static (scripts/setup.sh does)`);
    }
  }
});

/** A root with only /kiln (the portable tree), /bin/busybox and /bin/sh. */
function minimalRoot(): string {
  const root = tempDir('portable');
  cpSync(PORTABLE_TREE, `${root}/kiln`, { recursive: true });
  mkdirSync(`${root}/bin`);
  cpSync(BUSYBOX, `${root}/bin/busybox`);
  symlinkSync('busybox', `${root}/bin/sh`);
  return root;
}

const inRoot = (root: string, args: string[]) =>
  start('bwrap', ['--bind', root, '/', '--proc', '/proc', '--dev', '/dev', '--clearenv', '--', ...args]);

describe('the portable tree', () => {
  it('holds a loader and the libraries the agent needs', () => {
    expect(readdirSync(`${PORTABLE_TREE}/lib`).some((f) => f.startsWith('ld-linux'))).toBe(true);
    const interp = execFileSync('patchelf', ['--print-interpreter', `${PORTABLE_TREE}/bin/kiln-agent`], {
      encoding: 'utf8',
    });
    expect(interp.trim()).toMatch(/^\/kiln\/lib\/ld-linux/);
  });

  it('runs a three-step chain in a root with nothing but /kiln and a static busybox', async () => {
    const root = minimalRoot();
    expect(readdirSync(root).sort()).toEqual(['bin', 'kiln']);
    const inPod = kilnPaths('/kiln'); // paths as the steps see them
    const onHost = kilnPaths(`${root}/kiln`);
    const commands = ['echo one > /kiln/order', 'echo two >> /kiln/order; exit 3', 'echo three >> /kiln/order'];
    const steps = commands.map((cmd, i) =>
      inRoot(root, [
        inPod.agent,
        ...stepArgs(
          '/kiln',
          i,
          {
            wait: [i === 0 ? inPod.readyFile : inPod.postFile(i - 1)],
            waitContent: i === 0,
            onError: i === 1 ? 'continue' : undefined,
          },
          ['/bin/sh', '-c', cmd],
        ),
      ]),
    );
    mkdirSync(onHost.downwardDir, { recursive: true });
    writeFileSync(onHost.readyFile, 'go');
    const exits = await Promise.all(steps.map((s) => s.exit));
    expect(
      exits.map((e) => e.code),
      steps.map((s) => s.stderr()).join('\n'),
    ).toEqual([0, 0, 0]);
    expect(readFileSync(`${root}/kiln/order`, 'utf8')).toBe('one\ntwo\nthree\n');
    expect([0, 1, 2].map((i) => readFileSync(onHost.exitCodeFile(i), 'utf8'))).toEqual(['0', '3', '0']);
    expect([0, 1, 2].every((i) => existsSync(onHost.postFile(i)))).toBe(true);
  });

  it('init copies the agent with its loader and libraries, and the copy runs', async () => {
    const root = minimalRoot();
    const init = inRoot(root, ['/kiln/bin/kiln-agent', 'init', '/tools']);
    expect((await init.exit).code).toBe(0);
    expect(readdirSync(`${root}/tools/lib`).sort()).toEqual(readdirSync(`${PORTABLE_TREE}/lib`).sort());
    // The copy runs from /kiln only (its loader path is fixed): swap it in and run it there.
    cpSync(`${root}/tools`, `${root}/kiln2`, { recursive: true });
    const run = start('bwrap', [
      '--bind',
      root,
      '/',
      '--bind',
      `${root}/kiln2`,
      '/kiln',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--clearenv',
      '/kiln/bin/kiln-agent',
      '--version',
    ]);
    expect((await run.exit).code).toBe(0);
    expect(run.stdout()).toMatch(/^kiln-agent \d+\.\d+\.\d+/);
  });
});
