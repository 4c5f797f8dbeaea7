import { describe, expect, it } from 'vitest';
import { AgentUsageError } from '../../../agent/errors.js';
import { parseEntrypointArgs } from '../../../agent/entrypoint/options.js';

describe('parseEntrypointArgs', () => {
  it('reads every flag in Go syntax, Tekton spelling', () => {
    const o = parseEntrypointArgs([
      '-wait_file',
      '/a,/b',
      '-wait_file_content',
      '--post_file=/p',
      '-termination_path',
      '/t',
      '-results',
      'x,y',
      '-timeout',
      '1m30s',
      '-timeout_grace=250ms',
      '-on_error',
      'continue',
      '-step_metadata_dir',
      '/m',
      '-entrypoint',
      '/bin/sh',
      '-results_dir',
      '/r',
      '-log_dir',
      '/l',
      '-step_name',
      'build',
      '-step_index',
      '3',
      '-exit_with_parent',
      '-termination_limit',
      '3072',
      '--',
      '-c',
      'echo hi',
    ]);
    expect(o).toEqual({
      waitFiles: ['/a', '/b'],
      waitFileContent: true,
      exitWithParent: true,
      postFile: '/p',
      terminationPath: '/t',
      results: ['x', 'y'],
      timeoutMs: 90_000,
      timeoutGraceMs: 250,
      onError: 'continue',
      stepMetadataDir: '/m',
      command: ['/bin/sh', '-c', 'echo hi'],
      resultsDir: '/r',
      logDir: '/l',
      terminationLimit: 3072,
      stepName: 'build',
      stepIndex: 3,
    });
  });

  it('defaults to the pod layout and takes the command after --', () => {
    const o = parseEntrypointArgs(['--', 'true']);
    expect(o).toMatchObject({
      waitFiles: [],
      waitFileContent: false,
      exitWithParent: false,
      terminationPath: '/kiln/termination',
      resultsDir: '/kiln/results',
      logDir: '/kiln/logs',
      onError: 'stopAndFail',
      command: ['true'],
      stepIndex: 0,
      timeoutMs: undefined,
    });
  });

  it('stops at the first non-flag argument, as Go flag parsing does', () => {
    expect(parseEntrypointArgs(['-post_file', '/p', 'ls', '-l']).command).toEqual(['ls', '-l']);
  });

  const bad: [string[], RegExp, string][] = [
    [['-bogus', 'x', '--', 'true'], /unknown flag -bogus/, '-bogus'],
    [['-post_file'], /flag -post_file needs a value/, '-post_file'],
    [['-timeout', '10 minutes', '--', 'true'], /-timeout: "10 minutes" is not a duration/, '-timeout'],
    [['-timeout', '99999999h', '--', 'true'], /-timeout: "99999999h" is longer than the agent can wait/, '-timeout'],
    [['-on_error', 'ignore', '--', 'true'], /-on_error: "ignore" is not one of continue, stopAndFail/, '-on_error'],
    [['-step_index', '-1', '--', 'true'], /-step_index: "-1"/, '-step_index'],
    [['-results', '../etc/passwd', '--', 'true'], /-results: "..\/etc\/passwd" is not a result name/, '-results'],
    [['-wait_file_content=maybe', '--', 'true'], /not true or false/, '-wait_file_content'],
    [['-post_file', '/p'], /no command to run/, '-entrypoint'],
    [['-termination_limit', '100', '--', 'true'], /"100" is not a byte count from 256 to 4096/, '-termination_limit'],
    [['-termination_limit', '5000', '--', 'true'], /"5000" is not a byte count/, '-termination_limit'],
  ];
  for (const [argv, message, flag] of bad) {
    it(`rejects ${argv.join(' ')}`, () => {
      let caught: unknown;
      try {
        parseEntrypointArgs(argv);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AgentUsageError);
      expect((caught as AgentUsageError).message).toMatch(message);
      expect((caught as AgentUsageError).flag).toBe(flag);
    });
  }

  it('survives random argument vectors: parses or throws AgentUsageError, nothing else', () => {
    const atoms = [
      '-',
      '--',
      '-wait_file',
      '-timeout',
      '=',
      '1s',
      'x',
      '-on_error',
      'continue',
      ',',
      '-results',
      '-step_index',
      '9',
      '\0',
      'é',
    ];
    let seed = 42;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 2000; i++) {
      const argv = Array.from({ length: rand(8) }, () =>
        Array.from({ length: 1 + rand(3) }, () => atoms[rand(atoms.length)]).join(''),
      );
      try {
        const o = parseEntrypointArgs(argv);
        expect(o.command.length).toBeGreaterThan(0);
      } catch (err) {
        expect(err).toBeInstanceOf(AgentUsageError);
      }
    }
  });
});
