// `kiln serve`: a one-machine CI server. The collector and its web UI, the webhook endpoint
// (POST /v1/hooks/{trigger}) of the triggers in --triggers, and a queue running the triggered
// pipelines on the host or podman engine, at most --max-concurrent-runs at once.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseSize, startCollector, webUiLine } from '../../collector/index.js';
import { UsageError } from '../../contract/index.js';
import { DEFAULT_RETRY, loadTriggersFile, type Trigger } from '../../triggers/index.js';
import { parseEngineFlag } from '../run-engine.js';
import { hookRoutes } from '../serve/hook-routes.js';
import { RunQueue } from '../serve/run-queue.js';
import { ServeStore } from '../serve/serve-store.js';
import { triggeredRunHooks } from '../serve/triggered-run.js';

interface ServeFlags {
  triggers: string;
  listen: string;
  db?: string;
  stateDir: string;
  maxConcurrentRuns: string;
  engine?: string;
  publicUrl?: string;
  maxHookBody: string;
  statusAttempts: string;
}

function readSecret(t: Trigger): string {
  try {
    const secret = readFileSync(t.secretFile!, 'utf8').trim();
    if (secret) return secret;
  } catch (err) {
    throw new UsageError(
      `trigger ${t.name}: cannot read its secretFile ${t.secretFile}: ${(err as NodeJS.ErrnoException).code}`,
      'write the webhook secret the forge signs with into that file',
    );
  }
  throw new UsageError(
    `trigger ${t.name}: its secretFile ${t.secretFile} is empty`,
    'write the webhook secret into it',
  );
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`${flag} ${value}: an integer from 1 to 1000`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('a CI server on this machine: the collector and web UI, webhook triggers, and a run queue')
    .option('--triggers <file>', 'the triggers file (triggers: a list)', 'triggers.yaml')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8790')
    .option('--db <url>', 'sqlite:PATH or postgres://… (default: $KILN_DATABASE_URL or sqlite:.kiln/kiln.db)')
    .option('--state-dir <dir>', 'secrets, the delivery log and the run queue (triggers.db)', '.kiln')
    .option('--max-concurrent-runs <n>', 'runs at once; more wait as Queued', '2')
    .option(
      '--engine <engine>',
      "host, podman or auto for every trigger without engine: (default: the pipeline file's, else host)",
    )
    .option(
      '--public-url <url>',
      'how the forge reaches the web UI, for the links in commit statuses (default: the listen address)',
    )
    .option('--max-hook-body <size>', 'largest webhook body taken', '5MiB')
    .option(
      '--status-attempts <n>',
      'tries at posting each commit status (1 s, 2 s, 4 s… apart)',
      String(DEFAULT_RETRY.attempts),
    )
    .action(async (f: ServeFlags) => {
      const maxConcurrent = positiveInt('--max-concurrent-runs', f.maxConcurrentRuns);
      const maxBodyBytes = parseSize(f.maxHookBody, '--max-hook-body');
      const retry = { ...DEFAULT_RETRY, attempts: positiveInt('--status-attempts', f.statusAttempts) };
      parseEngineFlag(f.engine);
      const triggers = loadTriggersFile(f.triggers);
      const withSecrets = new Map(triggers.map((t) => [t.name, { trigger: t, secret: readSecret(t) }]));
      mkdirSync(f.stateDir, { recursive: true });
      const store = new ServeStore(join(f.stateDir, 'triggers.db'));
      let listening!: (c: { url: string; secret: string; publicUrl: string }) => void;
      const collector = new Promise<{ url: string; secret: string; publicUrl: string }>((ok) => (listening = ok));
      const log = (line: string) => process.stderr.write(line + '\n');
      const cwd = process.cwd();
      const queue = new RunQueue(
        store,
        maxConcurrent,
        triggeredRunHooks({
          triggers: new Map(triggers.map((t) => [t.name, t])),
          collector,
          cwd,
          engine: f.engine,
          log,
          retry,
        }),
      );
      const c = await startCollector({
        listen: f.listen,
        db: f.db || process.env.KILN_DATABASE_URL || undefined,
        stateDir: f.stateDir,
        secret: process.env.KILN_COLLECTOR_SECRET || undefined,
        plugins: [hookRoutes({ triggers: withSecrets, store, queue, maxBodyBytes })],
        longLived: true,
      });
      listening({
        url: c.url,
        secret: process.env.KILN_COLLECTOR_SECRET || readFileSync(c.secretFile!, 'utf8').trim(),
        publicUrl: f.publicUrl?.replace(/\/+$/, '') || c.url,
      });
      const { resumed, interrupted } = queue.resume();
      log(
        `kiln serve: listening on ${c.url} (store: ${c.store.kind}); ${triggers.length} trigger(s): ${triggers.map((t) => `POST ${c.url}/v1/hooks/${t.name}`).join(', ')}`,
      );
      log(
        `kiln serve: ${webUiLine({ url: c.url, readerToken: c.readerToken, tty: !!process.stderr.isTTY, tokenSource: resolve(c.readerTokenFile) })}`,
      );
      if (resumed || interrupted)
        log(
          `kiln serve: ${resumed} queued run(s) resumed; ${interrupted} run(s) were running when the last kiln serve stopped (their records say how they ended)`,
        );
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      log('kiln serve: stopping: cancelling running runs; queued ones stay queued for the next start');
      await queue.close();
      await c.close();
      store.close();
    });
}
