import type { Command } from '../command.js';
import { defaultConfigPath } from '../config.js';
import { fields } from '../output/table.js';

export const configCommand: Command = {
  name: 'config',
  summary: 'show the settings in effect and where each came from (the token is not shown)',
  async run(ctx) {
    const c = ctx.config();
    const view = { url: c.url, token: c.token ? 'set' : 'none', output: c.output, timeoutMs: c.timeoutMs, sources: c.sources, defaultConfigFile: defaultConfigPath(ctx.env) };
    if (ctx.out.json) return ctx.out.write(`${JSON.stringify(view, null, 2)}\n`);
    ctx.out.write(
      fields([
        ['url', `${c.url}  (${c.sources.url})`],
        ['token', `${view.token}  (${c.sources.token})`],
        ['output', `${c.output}  (${c.sources.output})`],
        ['timeout', `${c.timeoutMs} ms  (${c.sources.timeoutMs})`],
        ['config file', view.defaultConfigFile],
      ]),
    );
  },
};
