// `kiln logs RUN`: a run's log lines, text only, one per line on stdout.
import type { Command } from 'commander';
import { UsageError } from '../../contract/index.js';
import { stdoutLineWriter, withReader, withReaderOptions } from '../reader-options.js';

export function registerLogs(program: Command): void {
  withReaderOptions(program.command('logs').description("print a run's log lines").argument('<run>', 'pipeline run id'))
    .option('--task <taskRun>', 'only this task run')
    .option('--step <step>', 'only this step')
    .option('-f, --follow', 'keep printing new lines until the steps end')
    .action(
      async (
        run: string,
        f: { task?: string; step?: string; follow?: boolean; collector?: string; token?: string; db?: string },
      ) => {
        await withReader(f, async (reader) => {
          const sel = { task: f.task, step: f.step };
          const write = stdoutLineWriter();
          if (f.follow) {
            // Following a run that does not exist would wait forever.
            const known =
              (await reader.getRun(run)) !== null || (await reader.readLogs(run, { limit: 1 })).lines.length > 0;
            if (!known)
              throw new UsageError(`run ${run} is unknown (no record, no logs)`, 'list runs with `kiln runs`');
            // stdout is the log alone: news of a lost connection goes to stderr, once per outage.
            let told = false;
            const onReconnect = (why: unknown) => {
              if (!told)
                process.stderr.write(`kiln: lost the collector (${(why as Error)?.message ?? why}); reconnecting…\n`);
              told = true;
            };
            for await (const line of reader.followLogs(run, sel, { onReconnect })) {
              told = false;
              await write(line.text);
            }
            return;
          }
          let from: string | undefined;
          let any = false;
          do {
            const page = await reader.readLogs(run, { ...sel, from, limit: 5000 });
            for (const line of page.lines) await write(line.text);
            any ||= page.lines.length > 0;
            from = page.next ?? undefined;
          } while (from);
          if (!any && !(await reader.getRun(run)))
            throw new UsageError(`run ${run} is unknown (no record, no logs)`, 'list runs with `kiln runs`');
        });
      },
    );
}
