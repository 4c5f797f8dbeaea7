// The CLI loads only the command it is asked for (its packages load with it), every one for help
// and completion, and a command's companions (rerun runs `kiln run` through the same tree).
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commands, commandsFor } from '../../cli/commands/index.js';

const names = async (argv: string[]) => {
  const program = new Command('kiln');
  for (const register of await commandsFor(argv)) register(program);
  return program.commands.map((c) => c.name());
};

describe('commandsFor', () => {
  it('registers the named command alone, with its companions', async () => {
    expect(await names(['run', 'p.yaml'])).toEqual(['run']);
    expect(await names(['rerun', 'r1'])).toEqual(['rerun', 'run']);
  });

  it('registers every command for help, completion and an unknown name; none for --version', async () => {
    // `get` registers `describe` beside itself.
    const all = [...Object.keys(commands), 'describe'].sort();
    expect((await names([])).sort()).toEqual(all);
    expect((await names(['completion', 'bash'])).sort()).toEqual(all);
    expect((await names(['rnu'])).sort()).toEqual(all);
    expect(await names(['--version'])).toEqual([]);
  });
});
