import type { Command } from '../command.js';
import { bashCompletion, zshCompletion } from '../completion.js';
import { UsageError } from '../errors.js';
import type { HostSummary, IncidentView, Silence } from './views.js';

/** The table is passed in: completion describes every command, itself included. */
export function completionCommand(all: () => readonly Command[]): Command {
  return {
    name: 'completion',
    args: 'bash|zsh',
    positionals: { min: 1, max: 1 },
    summary: 'print a shell completion script: source <(vigil completion bash)',
    details: 'bash: add `source <(vigil completion bash)` to ~/.bashrc.\nzsh: add `source <(vigil completion zsh)` to ~/.zshrc after compinit.\nHost, incident and silence ids are completed from the API (with your VIGIL_URL / VIGIL_TOKEN).',
    async run(ctx, { positionals }) {
      const shell = positionals[0];
      if (shell === 'bash') ctx.out.write(bashCompletion(all()));
      else if (shell === 'zsh') ctx.out.write(zshCompletion(all()));
      else throw new UsageError(`completion: the shell must be bash or zsh (got ${JSON.stringify(shell)})`);
    },
  };
}

/** Hidden: the ids completion offers, one a line; prints nothing when the API cannot be asked. */
export const completeIdsCommand: Command = {
  name: '__complete',
  args: 'hosts|incidents|silences',
  positionals: { min: 1, max: 1 },
  summary: 'ids for shell completion',
  async run(ctx, { positionals }) {
    const client = ctx.client();
    let ids: string[] = [];
    try {
      if (positionals[0] === 'hosts') ids = (await client.get<{ hosts: HostSummary[] }>('/v1/hosts')).hosts.map((h) => h.id);
      else if (positionals[0] === 'incidents') ids = (await client.get<{ incidents: IncidentView[] }>('/v1/incidents', { limit: 200 })).incidents.map((i) => i.id);
      else if (positionals[0] === 'silences') ids = (await client.get<{ silences: Silence[] }>('/v1/silences')).silences.map((s) => s.id);
    } catch {
      // Completion must never print an error into the command line being typed.
    }
    if (ids.length > 0) ctx.out.write(`${ids.join('\n')}\n`);
  },
};
