// `kiln-agent host`, the built executable, driven over its stdin/stdout as the host runtime drives
// it: a task run's steps in order with their output attributed, a failing step skipping the next,
// a signal to a waiting step ending it without running it, and the runtime's going away (stdin
// closed) stopping a running step, as an agent's parent death does.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeHostMessage,
  HostEventReader,
  kilnPaths,
  logProxyArgv,
  type HostCommand,
  type HostEvent,
} from '../../contract/index.js';
import { CollectorClient } from '../../collector/index.js';
import { startCollectorIn, type CollectorProcess } from '../../testkit/log-proxy-pod.js';
import { AGENT, processEnded, requireBuilt, stepArgs, tempDir, waitForFile } from './helpers.js';

requireBuilt(AGENT);

interface Host {
  send(c: HostCommand): void;
  events: HostEvent[];
  /** Resolves with the first event (already seen or coming) that matches. */
  next(match: (e: HostEvent) => boolean): Promise<HostEvent>;
  close(): void;
  exit: Promise<number | null>;
}

const hosts: Host[] = [];
const collectors: CollectorProcess[] = [];
afterEach(async () => {
  hosts.splice(0).forEach((h) => h.close());
  await Promise.all(collectors.splice(0).map((c) => c.kill()));
});

function startHost(): Host {
  const child = spawn(AGENT, ['host'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events: HostEvent[] = [];
  const waiters: { match: (e: HostEvent) => boolean; done: (e: HostEvent) => void }[] = [];
  const reader = new HostEventReader((e) => {
    events.push(e);
    for (const w of waiters.filter((w) => w.match(e))) w.done(e);
  });
  child.stdout!.on('data', (chunk: Buffer) => reader.push(chunk));
  const host: Host = {
    send: (c) => child.stdin!.write(encodeHostMessage(c)),
    events,
    next: (match) =>
      new Promise((done) => {
        const seen = events.find(match);
        if (seen) done(seen);
        else waiters.push({ match, done });
      }),
    close: () => child.stdin!.end(),
    exit: new Promise((done) => child.once('close', (code) => done(code))),
  };
  hosts.push(host);
  return host;
}

/** A task run of shell steps, step i waiting for step i-1 (step 0 for the ready file). */
function taskRun(root: string, scripts: string[]) {
  const p = kilnPaths(root);
  return scripts.map((script, i) => ({
    args: stepArgs(root, i, i === 0 ? { wait: [p.readyFile], waitContent: true } : { wait: [p.postFile(i - 1)] }, [
      'sh',
      '-c',
      script,
    ]).slice(1),
    cwd: root,
    env: { ...process.env },
  }));
}

/** The go-ahead step 0 waits for, as the runtime writes it. */
function goAhead(root: string): void {
  mkdirSync(dirname(kilnPaths(root).readyFile), { recursive: true });
  writeFileSync(kilnPaths(root).readyFile, 'go');
}

const exitOf = (host: Host, taskRun: string, step: number) =>
  host.next((e) => e.ev === 'exit' && e.taskRun === taskRun && e.step === step);

describe('kiln-agent host', () => {
  it("runs a task run's steps in order, output attributed per step; a failure skips the next step", async () => {
    const root = tempDir('host');
    const host = startHost();
    host.send({ op: 'start', taskRun: 'tr', steps: taskRun(root, ['echo one', 'echo two >&2; exit 3', 'echo never']) });
    goAhead(root);
    expect(await exitOf(host, 'tr', 0)).toMatchObject({ code: 0, signal: null });
    expect(await exitOf(host, 'tr', 1)).toMatchObject({ code: 3 });
    expect(await exitOf(host, 'tr', 2)).toMatchObject({ code: 1 }); // skipped, as its own agent exits
    const out = (step: number, stream: string) =>
      host.events
        .filter((e) => e.ev === 'out' && e.step === step && e.stream === stream)
        .map((e) => (e.ev === 'out' ? e.data : ''))
        .join('');
    expect(out(0, 'stdout')).toBe('one\n');
    expect(out(1, 'stderr')).toBe('two\n');
    expect(out(2, 'stdout')).toBe('');
    expect(existsSync(kilnPaths(root).postFile(0))).toBe(true);
    expect(existsSync(`${kilnPaths(root).postFile(1)}.err`)).toBe(true);
    expect(readFileSync(kilnPaths(root).localTerminationFile(2), 'utf8')).toContain('Skipped');
    host.close();
    expect(await host.exit).toBe(0);
  });

  it('takes a preload of the cache ahead of its first task run, with no event of its own', async () => {
    const root = tempDir('host-preload');
    const host = startHost();
    host.send({ op: 'preload', parts: ['cache'] });
    host.send({ op: 'start', taskRun: 'tr', steps: taskRun(root, ['echo after']) });
    goAhead(root);
    expect(await exitOf(host, 'tr', 0)).toMatchObject({ code: 0, signal: null });
    host.close();
    expect(await host.exit).toBe(0);
    expect(host.events.every((e) => e.taskRun === 'tr')).toBe(true);
  });

  it('a signal to a waiting step ends it at once, unrun; a running one gets it forwarded', async () => {
    const root = tempDir('host-signal');
    const marker = `${root}/ran-1`;
    const host = startHost();
    const started = `${root}/started-0`;
    host.send({
      op: 'start',
      taskRun: 'tr',
      steps: taskRun(root, [`echo up > ${started}; sleep 30`, `touch ${marker}`]),
    });
    host.send({ op: 'signal', taskRun: 'tr', signal: 'SIGTERM', steps: [1] });
    expect(await exitOf(host, 'tr', 1)).toMatchObject({ code: null, signal: 'SIGTERM' });
    goAhead(root);
    await waitForFile(started); // the command runs: a signal now is forwarded to its group
    host.send({ op: 'signal', taskRun: 'tr', signal: 'SIGTERM' });
    expect(await exitOf(host, 'tr', 0)).toMatchObject({ code: 143 });
    expect(existsSync(marker)).toBe(false);
  });

  it('stops a running step when its runtime goes away (stdin closed), and exits', async () => {
    const root = tempDir('host-orphan');
    const pidFile = `${root}/pid`;
    const host = startHost();
    host.send({ op: 'start', taskRun: 'tr', steps: taskRun(root, [`echo $$ > ${pidFile}; exec sleep 30`]) });
    goAhead(root);
    await waitForFile(pidFile);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    host.close();
    expect(await host.exit).toBe(143);
    expect(processEnded(pid)).toBe(true);
  });

  it("holds a task run's log shipping until ship-logs: a run's logs reach the collector task by task", async () => {
    const coll = await startCollectorIn(tempDir('host-hold-collector'));
    collectors.push(coll);
    const host = startHost();
    const logProxy = (root: string, taskRun: string) => {
      writeFileSync(`${root}/token`, coll.runToken('run'));
      const p = kilnPaths(root);
      const argv = logProxyArgv({
        agent: [],
        paths: p,
        steps: ['step-0'],
        collector: { url: coll.url, tokenFile: `${root}/token` },
        pipelineRun: 'run',
        taskRun,
      });
      return argv.slice(1); // after `log-proxy`
    };
    const [held, free] = [tempDir('host-held'), tempDir('host-free')];
    host.send({
      op: 'start',
      taskRun: 'held',
      steps: taskRun(held, ['echo first']),
      logProxy: logProxy(held, 'held'),
      holdLogs: true,
    });
    goAhead(held);
    await exitOf(host, 'held', 0);
    host.send({
      op: 'start',
      taskRun: 'free',
      steps: taskRun(free, ['echo second']),
      logProxy: logProxy(free, 'free'),
    });
    goAhead(free);
    await host.next((e) => e.ev === 'logs' && e.taskRun === 'free');
    // Ended first, its shipping still holds: nothing of it has reached the collector.
    expect(host.events.some((e) => e.ev === 'logs' && e.taskRun === 'held')).toBe(false);
    host.send({ op: 'ship-logs', taskRun: 'held' });
    expect(await host.next((e) => e.ev === 'logs' && e.taskRun === 'held')).toMatchObject({ code: 0 });
    const page = await new CollectorClient(coll.url, coll.readerToken).readLogs('run', {});
    expect(page.lines.map((l) => `${l.task}: ${l.text}`)).toEqual(['free: second', 'held: first']);
  });
});
