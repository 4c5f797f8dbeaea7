// `kiln`: the command line. Each sub-command lives in commands/<name>.ts.
import { Command, CommanderError } from 'commander';
import { commandsFor } from './commands/index.js';
import { applyConfig } from './config.js';
import { describeError, exitCodeFor, EXIT } from './exit-codes.js';
import { KILN_VERSION } from './version.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('kiln')
    .description('Kiln: run CI/CD pipelines locally or on Kubernetes, with history, logs and a cache')
    .version(KILN_VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const register of await commandsFor(argv)) register(program);
  try {
    // The settings file fills in what the environment does not say (cli/config.ts).
    if (argv[0] !== 'config') applyConfig();
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (help, version, unknown option…)
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    process.stderr.write(describeError(err) + '\n');
    return exitCodeFor(err);
  }
}
