// `kiln completion bash|zsh|fish`: the shell's completion script, from the command tree itself.
import type { Command } from 'commander';
import { UsageError } from '../../contract/index.js';
import { bashCompletion, fishCompletion, zshCompletion } from '../completion.js';

const SHELLS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(kiln completion bash)')
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => {
      const make = SHELLS[shell as keyof typeof SHELLS];
      if (!make) throw new UsageError(`completion ${shell}: not a shell kiln completes`, 'give bash, zsh or fish');
      process.stdout.write(make(program));
    });
}
