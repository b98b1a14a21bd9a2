import type { Command, OptionSpec } from './command.js';
import { GLOBAL_OPTIONS } from './globals.js';

const EXIT_CODES = `Exit codes:
  0  ok
  1  the coordinator failed, answered something unreadable, or could not be reached
  2  usage: bad flag, argument, config value, or a request the API refused as bad (400)
  3  not found (404): no such host, incident, silence or service
  4  auth refused: the token is not valid (401) or may not do this (403)
  5  conflict (409): the state does not allow it (already resolved, agent not connected)
  130  interrupted (Ctrl-C) before the answer was complete (watch ends with 0)
`;

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [`${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`, `${o.description}${o.multiple ? ' (repeatable)' : ''}`] as const);
  const w = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(w)}  ${d}`);
}

export function commandHelp(c: Command): string {
  const lines = [`Usage: vigil ${c.name}${c.args ? ` ${c.args}` : ''}${c.options && Object.keys(c.options).length > 0 ? ' [options]' : ''}`, '', c.summary];
  if (c.details) lines.push('', c.details.trimEnd());
  if (c.options && Object.keys(c.options).length > 0) lines.push('', 'Options:', ...optionLines(c.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS), '', EXIT_CODES);
  return lines.join('\n');
}

export function mainHelp(commands: readonly Command[]): string {
  const w = Math.max(...commands.map((c) => `${c.name}${c.args ? ` ${c.args}` : ''}`.length));
  return [
    'Usage: vigil COMMAND [arguments] [options]',
    '',
    "The command line of Vigil's coordinator API: hosts, incidents, silences, diagnoses, predictions, live events.",
    '',
    'Commands:',
    ...commands.map((c) => `  ${`${c.name}${c.args ? ` ${c.args}` : ''}`.padEnd(w)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Configuration: flags, then VIGIL_URL / VIGIL_TOKEN / VIGIL_CONFIG, then the config file',
    '~/.config/vigil/cli.json ({"url": "...", "token": "...", "output": "table", "timeoutMs": 30000}).',
    "`vigil COMMAND --help` shows a command's options. `vigil completion bash|zsh` prints shell completion.",
    '',
    EXIT_CODES,
  ].join('\n');
}
