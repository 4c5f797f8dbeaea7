// Shell completion scripts generated from commander's command tree, so a new command or flag is
// completed without anyone editing a script: bash, zsh and fish.
import type { Command, Option } from 'commander';

interface CommandInfo {
  /** `run`, or `templates show` for a nested command. */
  path: string;
  description: string;
  options: { flags: string[]; takesValue: boolean; description: string }[];
  subcommands: string[];
  /** Whether it takes file arguments (its arguments are completed as files). */
  files: boolean;
}

function optionInfo(o: Option) {
  const flags = [o.long, o.short].filter((f): f is string => !!f);
  return { flags, takesValue: o.required || o.optional, description: o.description };
}

/** Every command below `program`, depth first. */
export function commandTree(program: Command, prefix = ''): CommandInfo[] {
  return program.commands.flatMap((c) => {
    const path = `${prefix}${c.name()}`;
    const info: CommandInfo = {
      path,
      description: c.description(),
      options: [...c.options.map(optionInfo), { flags: ['--help', '-h'], takesValue: false, description: 'help' }],
      subcommands: c.commands.map((s) => s.name()),
      files: c.registeredArguments.some((a) => /file|dir|path/i.test(a.name() + a.description)),
    };
    return [info, ...commandTree(c, `${path} `)];
  });
}

const words = (xs: string[]) => xs.join(' ');

export function bashCompletion(program: Command): string {
  const cmds = commandTree(program);
  const cases = cmds.map((c) => {
    const flags = c.options.flatMap((o) => o.flags);
    const valued = c.options.filter((o) => o.takesValue).flatMap((o) => o.flags);
    return [
      `    "${c.path}")`,
      valued.length
        ? `      case "$prev" in ${valued.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return;; esac`
        : '',
      `      COMPREPLY=($(compgen -W "${words([...c.subcommands, ...flags])}" -- "$cur"))`,
      c.files ? '      [[ "$cur" != -* ]] && COMPREPLY+=($(compgen -f -- "$cur"))' : '',
      '      ;;',
    ]
      .filter(Boolean)
      .join('\n');
  });
  const nested = cmds.filter((c) => c.subcommands.length).map((c) => c.path);
  return `# kiln completion for bash: source <(kiln completion bash), or save it in
# /etc/bash_completion.d/kiln (or ~/.local/share/bash-completion/completions/kiln).
_kiln() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" w
  # The command typed so far: the first word that is not a flag, and a sub-command of it.
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) continue;; esac
    if [[ -z "$cmdpath" ]]; then cmdpath="$w"
    elif [[ " ${nested.join(' ')} " == *" $cmdpath "* && "$cmdpath" != *" "* ]]; then cmdpath="$cmdpath $w"
    fi
  done
  case "$cmdpath" in
    "") COMPREPLY=($(compgen -W "${words(program.commands.map((c) => c.name()))} --help --version" -- "$cur")) ;;
${cases.join('\n')}
  esac
}
complete -o default -F _kiln kiln
`;
}

const zshEscape = (s: string) => s.replace(/[[\]:\\]/g, (c) => `\\${c}`).replace(/'/g, "'\\''");

export function zshCompletion(program: Command): string {
  const top = program.commands.map((c) => `'${c.name()}:${zshEscape(c.description())}'`);
  const cases = commandTree(program).map((c) => {
    const specs = c.options.flatMap((o) =>
      o.flags.map((f) => `'*${f}[${zshEscape(o.description)}]${o.takesValue ? ':value:_files' : ''}'`),
    );
    if (c.subcommands.length) specs.push(`'1:command:(${c.subcommands.join(' ')})'`);
    if (c.files) specs.push("'*:file:_files'");
    return `    "${c.path}") _arguments ${specs.join(' ')} ;;`;
  });
  const nested = commandTree(program)
    .filter((c) => c.subcommands.length)
    .map((c) => c.path);
  return `#compdef kiln
# kiln completion for zsh: save as _kiln in a directory of $fpath, or: source <(kiln completion zsh)
_kiln() {
  local -a commands
  commands=(${top.join(' ')})
  if (( CURRENT == 2 )); then _describe 'command' commands; return; fi
  # (not \`path\`: zsh ties that name to $PATH)
  local cmdpath="\${words[2]}"
  case "$cmdpath" in (${nested.join('|') || '-'}) (( CURRENT > 3 )) && [[ "\${words[3]}" != -* ]] && cmdpath="$cmdpath \${words[3]}" ;; esac
  case "$cmdpath" in
${cases.join('\n')}
  esac
}
compdef _kiln kiln
`;
}

const fishEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

export function fishCompletion(program: Command): string {
  const lines = [
    '# kiln completion for fish: kiln completion fish > ~/.config/fish/completions/kiln.fish',
    'complete -c kiln -f',
  ];
  for (const c of program.commands)
    lines.push(`complete -c kiln -n '__fish_use_subcommand' -a ${c.name()} -d '${fishEscape(c.description())}'`);
  for (const c of commandTree(program)) {
    const names = c.path.split(' ');
    const cond = names.map((n) => `__fish_seen_subcommand_from ${n}`).join('; and ');
    for (const s of c.subcommands) lines.push(`complete -c kiln -n '${cond}' -a ${s}`);
    for (const o of c.options) {
      const long = o.flags.find((f) => f.startsWith('--'))?.slice(2);
      const short = o.flags.find((f) => /^-[^-]/.test(f))?.slice(1);
      lines.push(
        `complete -c kiln -n '${cond}'${long ? ` -l ${long}` : ''}${short ? ` -s ${short}` : ''}${o.takesValue ? ' -r' : ''} -d '${fishEscape(o.description)}'`,
      );
    }
    if (c.files) lines.push(`complete -c kiln -n '${cond}' -F`);
  }
  return lines.join('\n') + '\n';
}
