import type { Command } from './command.js';
import { GLOBAL_OPTIONS } from './globals.js';

/** First words of the commands, each once (`silence add` and `silence rm` share `silence`). */
function firstWords(commands: readonly Command[]): string[] {
  return [...new Set(commands.map((c) => c.name.split(' ')[0]!)), 'completion', 'help'].filter((w, i, a) => a.indexOf(w) === i);
}

function flagsOf(c: Command | undefined): string[] {
  const all = { ...GLOBAL_OPTIONS, ...c?.options };
  return Object.entries(all).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

function choicesByFlag(commands: readonly Command[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const c of [{ options: GLOBAL_OPTIONS } as Pick<Command, 'options'>, ...commands]) {
    for (const [name, o] of Object.entries(c.options ?? {})) if (o.choices) m.set(`--${name}`, [...(m.get(`--${name}`) ?? []), ...o.choices].filter((v, i, a) => a.indexOf(v) === i));
  }
  return m;
}

const sq = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Bash completion: `source <(vigil completion bash)`. Host and incident ids come from the API. */
export function bashCompletion(commands: readonly Command[]): string {
  const sub = new Map<string, string[]>();
  for (const c of commands) {
    const [a, b] = c.name.split(' ');
    if (b) sub.set(a!, [...(sub.get(a!) ?? []), b]);
  }
  const cases = commands
    .map((c) => {
      const dyn = c.completeWith ? `COMPREPLY=( $(compgen -W "$(vigil __complete ${c.completeWith} 2>/dev/null)" -- "$cur") )` : 'COMPREPLY=()';
      return `    ${sq(c.name)}) opts=${sq(flagsOf(c).join(' '))}; dyn() { ${dyn}; } ;;`;
    })
    .join('\n');
  const values = [...choicesByFlag(commands)].map(([flag, vals]) => `    ${flag}) COMPREPLY=( $(compgen -W ${sq(vals.join(' '))} -- "$cur") ); return ;;`).join('\n');
  return `# bash completion for vigil: source <(vigil completion bash)
_vigil() {
  local cur prev cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W ${sq(firstWords(commands).join(' '))} -- "$cur") )
    return
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$cmd" in
${[...sub].map(([a, bs]) => `    ${sq(a)}) if [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=( $(compgen -W ${sq(bs.join(' '))} -- "$cur") ); return; fi; cmd="$cmd \${COMP_WORDS[2]}" ;;`).join('\n')}
    completion) COMPREPLY=( $(compgen -W 'bash zsh' -- "$cur") ); return ;;
  esac
  case "$prev" in
${values}
    --config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  dyn() { COMPREPLY=(); }
  opts=''
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    dyn
  fi
}
complete -F _vigil vigil
`;
}

/** zsh completion: `source <(vigil completion zsh)` (after compinit), or save it as _vigil in $fpath. */
export function zshCompletion(commands: readonly Command[]): string {
  const describe = (list: [string, string][]) => list.map(([n, d]) => sq(`${n}:${d.replaceAll(':', '\\:')}`)).join(' ');
  const tops = new Map<string, string>();
  for (const c of commands) {
    const first = c.name.split(' ')[0]!;
    if (!tops.has(first)) tops.set(first, c.name.includes(' ') ? `${first} commands` : c.summary);
  }
  tops.set('completion', 'print shell completion (bash or zsh)');
  const subs = new Map<string, [string, string][]>();
  for (const c of commands) {
    const [a, b] = c.name.split(' ');
    if (b) subs.set(a!, [...(subs.get(a!) ?? []), [b, c.summary]]);
  }
  const cases = commands
    .map((c) => `    ${sq(c.name)}) opts=(${flagsOf(c).map(sq).join(' ')}); dyn=${c.completeWith ?? ''} ;;`)
    .join('\n');
  const values = [...choicesByFlag(commands)].map(([flag, vals]) => `    ${flag}) compadd -- ${vals.map(sq).join(' ')}; return ;;`).join('\n');
  return `#compdef vigil
# zsh completion for vigil: source <(vigil completion zsh), or save as _vigil in your $fpath
_vigil() {
  local cmd dyn
  local -a opts cmds
  if (( CURRENT == 2 )); then
    cmds=(${describe([...tops])})
    _describe 'command' cmds
    return
  fi
  cmd=\${words[2]}
  case $cmd in
${[...subs].map(([a, bs]) => `    ${sq(a)}) if (( CURRENT == 3 )); then cmds=(${describe(bs)}); _describe 'subcommand' cmds; return; fi; cmd="$cmd \${words[3]}" ;;`).join('\n')}
    completion) compadd bash zsh; return ;;
  esac
  case \${words[CURRENT-1]} in
${values}
    --config) _files; return ;;
  esac
  case $cmd in
${cases}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    compadd -- $opts
  elif [[ -n $dyn ]]; then
    compadd -- \${(f)"$(vigil __complete $dyn 2>/dev/null)"}
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _vigil "$@"; else compdef _vigil vigil; fi
`;
}
