// The entrypoint's core when a file it must write or read cannot be: every failure ends the step
// with reason AgentIOError (or ResultUnreadable for a result), `.err` stands in for the post file,
// and what failed is named in the termination message.
import { describe, expect, it } from 'vitest';
import { runEntrypoint } from '../../../agent/entrypoint/core.js';
import { parseEntrypointArgs } from '../../../agent/entrypoint/options.js';
import { AgentIOError } from '../../../agent/errors.js';
import { readTermination } from '../../../contract/index.js';
import { BASE, fakes, runWith } from './fakes.js';

const ERR = 'post /k/run/1/out.err';
const read = (termination: unknown) => readTermination(JSON.stringify(termination))!;

describe('runEntrypoint on I/O failures', () => {
  it('a spool that fails while the command runs: AgentIOError with the message, exit non-zero, .err', async () => {
    const ioError = new AgentIOError('writing the log spool', '/k/logs/1.spool', 'ENOSPC', 'no space left on device');
    const { result, events, termination, warnings, exitCodeFile } = await runWith([], {
      run: { exitCode: 143, timedOut: false, ioError },
    });
    expect(result.exitCode).toBe(143);
    expect(events.at(-1)).toBe(ERR);
    expect(read(termination)).toMatchObject({
      reason: 'AgentIOError',
      message: 'ENOSPC writing the log spool /k/logs/1.spool (no space left on device)',
      exitCode: 143,
    });
    expect(exitCodeFile).toBe('143');
    expect(warnings.join('\n')).toMatch(/ENOSPC writing the log spool .*: the command was stopped/);
  });

  it('a spool failure after the command already exited 0 still fails the step (exit 1)', async () => {
    const ioError = new AgentIOError('writing the log spool', '/k/logs/1.spool', 'ENOSPC');
    const { result, termination } = await runWith(['-on_error', 'continue'], {
      run: { exitCode: 0, timedOut: false, ioError },
    });
    expect(result.exitCode).toBe(1);
    expect(read(termination).reason).toBe('AgentIOError');
  });

  it('a spool that cannot be opened: waits its turn, does not run the command, fails', async () => {
    const prepareFails = new AgentIOError('opening the log spool', '/k/logs/1.spool', 'EROFS');
    const { result, events, termination } = await runWith(['-wait_file', '/k/run/0/out'], { prepareFails });
    expect(events).toEqual(['prepare', 'wait /k/run/0/out', 'write /k/term', 'write /k/run/1/status/exitCode', ERR]);
    expect(result.exitCode).toBe(1);
    expect(read(termination)).toMatchObject({
      reason: 'AgentIOError',
      message: 'EROFS opening the log spool /k/logs/1.spool',
    });
  });

  it('a termination message that cannot be reserved fails the step before it runs', async () => {
    const { events, result, warnings } = await runWith([], { failing: { '/k/term': 'ENOSPC' } });
    expect(events.some((e) => e.startsWith('run '))).toBe(false);
    expect(events.at(-1)).toBe(ERR);
    expect(result.exitCode).toBe(1);
    expect(warnings.join('\n')).toMatch(/ENOSPC reserving the termination message \/k\/term/);
  });

  it('a post file that cannot be written: .err instead, and the message says why', async () => {
    const { result, events, termination, exitCodeFile } = await runWith([], {
      failing: { '/k/run/1/out': 'EROFS' },
    });
    expect(events.filter((e) => e.startsWith('post'))).toEqual([ERR]);
    expect(result).toMatchObject({ exitCode: 1, posted: false });
    expect(read(termination)).toMatchObject({
      reason: 'AgentIOError',
      message: expect.stringMatching(/^EROFS writing the post file \/k\/run\/1\/out \(EROFS/),
      exitCode: 1,
    });
    expect(exitCodeFile).toBe('1'); // written again: the command's 0 is not the step's outcome
  });

  it('neither the post file nor .err: still a message naming the post file, a warning, exit non-zero', async () => {
    const { result, events, termination, warnings } = await runWith([], {
      failing: { '/k/run/1/out': 'EROFS', '/k/run/1/out.err': 'EROFS' },
    });
    expect(events.some((e) => e.startsWith('post'))).toBe(false);
    expect(result).toMatchObject({ exitCode: 1, posted: false });
    expect(read(termination).message).toMatch(/^EROFS writing the post file \/k\/run\/1\/out /);
    expect(warnings.join('\n')).toMatch(/EROFS writing the post file \/k\/run\/1\/out\.err/);
  });

  it('an exit code file that cannot be written fails the step, named in the message', async () => {
    const { result, events, termination } = await runWith([], {
      failing: { '/k/run/1/status/exitCode': 'ENOSPC' },
    });
    expect(result.exitCode).toBe(1);
    expect(events.at(-1)).toBe(ERR);
    expect(read(termination).message).toMatch(/^ENOSPC writing the exit code \/k\/run\/1\/status\/exitCode/);
  });

  it('a termination message that cannot be written: exit code file, .err and a non-zero exit still', async () => {
    const f = fakes({ failing: { '/k/term': 'ENOSPC' } });
    f.ports.fs.reserve = async () => undefined; // the room was taken; the write fails all the same
    const result = await runEntrypoint(parseEntrypointArgs([...BASE, '--', 'true']), f.ports);
    expect(result.exitCode).toBe(1);
    expect(f.events.slice(-2)).toEqual(['write /k/run/1/status/exitCode', ERR]);
    expect(f.files.get('/k/run/1/status/exitCode')).toBe('1');
    expect(f.warnings.join('\n')).toMatch(/ENOSPC writing the termination message \/k\/term/);
  });

  it('an empty result on a full file system is not recorded as ""', async () => {
    const { result, termination, warnings } = await runWith(['-results', 'digest'], {
      files: { '/k/results/digest': '' },
      fullFs: true,
    });
    expect(result.exitCode).toBe(1);
    expect(read(termination)).toMatchObject({ reason: 'ResultUnreadable', results: {} });
    expect(warnings.join('\n')).toMatch(/result "digest" .*empty and its file system has no space left/);
  });

  it('an empty result on a file system with room is an empty value', async () => {
    const { result, termination } = await runWith(['-results', 'digest'], { files: { '/k/results/digest': '' } });
    expect(result.exitCode).toBe(0);
    expect(read(termination).results).toEqual({ digest: '' });
  });
});
