/**
 * Shell completion for `valise` and `valise-admin`: `PROGRAM completion bash|zsh` prints a script
 * to source (`source <(valise completion bash)`, or `eval "$(valise completion zsh)"` in .zshrc).
 * It completes the command, then that command's options and the global ones; an option that
 * takes a value completes file names after it. zsh uses the same function through bashcompinit.
 */
import { UsageError } from './CliError.ts';

export interface CompletionSpec {
  program: string;
  /** Options of every command; those ending in `=` take a value. */
  globalOptions: readonly string[];
  /** Each command and its own options (same `=` convention). */
  commands: Readonly<Record<string, readonly string[]>>;
}

export const SHELLS = ['bash', 'zsh'] as const;

function words(list: readonly string[]): string {
  return list.map((o) => o.replace(/=$/, '')).join(' ');
}

function bashFunction(s: CompletionSpec): string {
  const fn = `_${s.program.replace(/[^a-zA-Z0-9]/g, '_')}_complete`;
  const valued = [...s.globalOptions, ...Object.values(s.commands).flat()].filter((o) => o.endsWith('=')).map((o) => o.slice(0, -1));
  const cases = Object.entries(s.commands)
    .map(([cmd, opts]) => `    ${cmd}) opts="${words(opts)}" ;;`)
    .join('\n');
  return `${fn}() {
  local cur prev cmd="" opts="" i skip=0
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    if ((skip)); then skip=0; continue; fi
    case " ${[...new Set(valued)].join(' ')} " in *" \${COMP_WORDS[i]} "*) skip=1; continue ;; esac
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case " ${[...new Set(valued)].join(' ')} " in
    *" $prev "*) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
  esac
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${words(s.globalOptions)}" -- "$cur"))
    else COMPREPLY=($(compgen -W "${Object.keys(s.commands).join(' ')}" -- "$cur")); fi
    return 0
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts ${words(s.globalOptions)}" -- "$cur")); fi
  return 0
}
complete -o default -F ${fn} ${s.program}
`;
}

export function completionScript(shell: string | undefined, spec: CompletionSpec): string {
  if (shell === 'bash') return `# bash completion for ${spec.program}: source <(${spec.program} completion bash)\n${bashFunction(spec)}`;
  if (shell === 'zsh') {
    return `# zsh completion for ${spec.program}: eval "$(${spec.program} completion zsh)" in ~/.zshrc\nautoload -U +X bashcompinit && bashcompinit\n${bashFunction(spec)}`;
  }
  throw new UsageError(`completion needs a shell: ${SHELLS.join(' or ')} (e.g. source <(${spec.program} completion bash)).`);
}
