// kiln-agent: the one executable injected into every pod. Dispatches to a sub-command.
import { version } from '../package.json';
import { AGENT_COMMANDS } from './commands.js';
import { AgentUsageError } from './errors.js';

const HELP_FLAGS = new Set(['--help', '-help', '-h']);

function help(): string {
  const names = Object.keys(AGENT_COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${AGENT_COMMANDS[n].summary}`);
  return (
    `kiln-agent ${version}\n\nusage: kiln-agent COMMAND [flags]\n\ncommands:\n${lines.join('\n')}\n\n` +
    `  --version, --help; kiln-agent COMMAND --help for a command's flags\n`
  );
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || HELP_FLAGS.has(name)) {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-version') {
    process.stdout.write(`kiln-agent ${version}\n`);
    return 0;
  }
  const command = Object.hasOwn(AGENT_COMMANDS, name) ? AGENT_COMMANDS[name] : undefined;
  if (!command) {
    const kind = name.startsWith('-') ? 'flag' : 'command';
    throw new AgentUsageError(`unknown ${kind} ${name} (commands: ${Object.keys(AGENT_COMMANDS).join(', ')})`, name);
  }
  if (rest.length > 0 && HELP_FLAGS.has(rest[0])) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

/**
 * Resolves once what was written to the stream has left the process: stdout to a pipe is
 * asynchronous on Linux, and process.exit drops what is still queued (the last lines of a step
 * that kiln run's console never showed).
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

main(process.argv.slice(2)).then(
  async (code) => {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof AgentUsageError) {
      process.stderr.write(`kiln-agent: ${err.message}\n`);
      process.exit(2);
    }
    // Unexpected (a file the agent must write cannot be): the message says which and why.
    process.stderr.write(`kiln-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
