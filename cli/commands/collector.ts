// `kiln collector`: the log and history service.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { cacheOptionsFromFlags, startCollector, webUiLine, type CacheFlagValues } from '../../collector/index.js';
import { durationFlag, UsageError } from '../../contract/index.js';
import { kilnCommand } from '../invocation.js';

interface CollectorFlags extends CacheFlagValues {
  listen: string;
  db?: string;
  stateDir: string;
  secretFile?: string;
  readerTokenFile?: string;
  retain?: string;
  keepLast?: string;
  retentionInterval: string;
}

/**
 * Where the write secret and the reader token are, and the lines that use them (a secret given in
 * the environment is not in a file: the user already has it).
 */
export function usageLines(
  url: string,
  secretFile: string | undefined,
  tokenFile: string | undefined,
  kiln: string = kilnCommand(),
): string {
  const abs = (p: string) => resolve(p);
  const lines: string[] = [];
  if (secretFile)
    lines.push(
      `kiln collector: write secret in ${abs(secretFile)}; to run pipelines into this collector:`,
      `  export KILN_COLLECTOR=${url} KILN_COLLECTOR_SECRET="$(cat ${abs(secretFile)})"`,
      `  (or once: ${kiln} config set collector ${url} && ${kiln} config set collector-secret "$(cat ${abs(secretFile)})")`,
    );
  if (tokenFile)
    lines.push(
      `kiln collector: reader token in ${abs(tokenFile)}; to read its history (kiln runs, logs, search):`,
      `  export KILN_COLLECTOR=${url} KILN_TOKEN="$(cat ${abs(tokenFile)})"`,
      `  (or once: ${kiln} config set collector ${url} && ${kiln} config set token "$(cat ${abs(tokenFile)})")`,
    );
  return lines.map((l) => l + '\n').join('');
}

export function registerCollector(program: Command): void {
  program
    .command('collector')
    .description('serve the collector: log ingest, run history, search, metrics')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8790')
    .option('--db <url>', 'sqlite:PATH or postgres://… (default: $KILN_DATABASE_URL or sqlite:.kiln/kiln.db)')
    .option('--state-dir <dir>', 'where generated secrets are kept', '.kiln')
    .option(
      '--secret-file <file>',
      'HMAC secret for run tokens (default: $KILN_COLLECTOR_SECRET, else STATE_DIR/collector-secret, generated)',
    )
    .option('--reader-token-file <file>', 'reader token (default: $KILN_TOKEN, else STATE_DIR/reader-token, generated)')
    .option('--retain <duration>', 'delete runs older than this (e.g. 30d)')
    .option('--keep-last <n>', 'keep only the newest N runs of each pipeline')
    .option('--retention-interval <duration>', 'how often retention runs', '10m')
    .option(
      '--cache-dir <dir>',
      'where dependency cache blobs live (default: cache/ beside the SQLite database; STATE_DIR/cache for PostgreSQL)',
    )
    .option(
      '--cache-max-size <size>',
      'total size of the dependency cache, least recently used entries evicted past it (e.g. 10GiB, the default)',
    )
    .option('--cache-max-age <duration>', 'remove cache entries unused this long (e.g. 7d, the default)')
    .action(async (f: CollectorFlags) => {
      const keepLast = f.keepLast === undefined ? undefined : Number(f.keepLast);
      if (keepLast !== undefined && (!Number.isInteger(keepLast) || keepLast < 1)) {
        throw new UsageError(`--keep-last ${f.keepLast}: not a positive integer`);
      }
      // Parsed before anything starts: a bad size or duration is a usage error, not a half-started collector.
      const cache = cacheOptionsFromFlags(f);
      const c = await startCollector({
        listen: f.listen,
        db: f.db || process.env.KILN_DATABASE_URL || undefined,
        stateDir: f.stateDir,
        secret: f.secretFile ? undefined : process.env.KILN_COLLECTOR_SECRET || undefined,
        secretFile: f.secretFile,
        readerToken: f.readerTokenFile ? undefined : process.env.KILN_TOKEN || undefined,
        readerTokenFile: f.readerTokenFile,
        retention: { retainMs: f.retain ? durationFlag('--retain', f.retain) : undefined, keepLast },
        retentionIntervalMs: durationFlag('--retention-interval', f.retentionInterval),
        cache,
        longLived: true,
      });
      process.stderr.write(
        `kiln collector: listening on ${c.url} (store: ${c.store.kind})\n` +
          (c.readerTokenCreated ? `kiln collector: new reader token written to ${c.readerTokenFile}\n` : '') +
          `kiln collector: ${webUiLine({
            url: c.url,
            readerToken: c.readerToken,
            tty: !!process.stderr.isTTY,
            tokenSource: !f.readerTokenFile && process.env.KILN_TOKEN ? '$KILN_TOKEN' : c.readerTokenFile,
          })}\n` +
          usageLines(c.url, c.secretFile, !f.readerTokenFile && process.env.KILN_TOKEN ? undefined : c.readerTokenFile),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await c.close();
    });
}
