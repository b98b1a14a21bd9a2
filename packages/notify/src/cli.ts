import { parseArgs } from 'node:util';
import { ConfigError } from '@vigil/shared';
import { readNotifyConfig, type NotifyConfig } from './config.js';
import { describeRoutes } from './routes.js';

export const HELP = `vigil-notify: delivers Vigil's escalations to pagers, once per incident, level and receiver

Usage: vigil-notify --config FILE      run
       vigil-notify --check FILE       validate FILE and print its routes and receivers

  --config FILE   YAML config (receivers, route, nats, dataDir); see docs/notify.md
  --check FILE    exit 0 and print the effective routes, or exit 2 and name each bad line
  -h, --help      show this help
  -v, --version   show the version
`;

export type CliResult = { kind: 'help' } | { kind: 'version' } | { kind: 'check'; config: NotifyConfig } | { kind: 'run'; config: NotifyConfig };

/** Parses argv and reads the config; throws ConfigError naming the line, field and value. */
export function parseCli(argv: string[]): CliResult {
  let values: { config?: string; check?: string; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, check: { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (values.check !== undefined) return { kind: 'check', config: readNotifyConfig(values.check) };
  if (values.config === undefined) throw new ConfigError(['--config FILE is required (or --check FILE)']);
  return { kind: 'run', config: readNotifyConfig(values.config) };
}

/** What `--check` prints: the routing tree, then each receiver with its retry and fallback. */
export function describeConfig(c: NotifyConfig): string {
  const lines = ['routes (first match wins unless "continue"):', ...describeRoutes(c.route).map((l) => `  ${l}`), 'receivers:'];
  for (const r of c.receivers) {
    const fb = (r.fallback ? `, then fallback ${r.fallback}` : '') + (r.rateLimit ? `, at most ${r.rateLimit.pages} pages per ${r.rateLimit.per} ms (the rest summarised)` : '') + (r.groupWait !== undefined ? `, pages of one zone within ${r.groupWait} ms grouped` : '');
    lines.push(`  ${r.name} (${r.type}): timeout ${r.timeout} ms, ${r.retry.maxAttempts} attempts, backoff ${r.retry.initialBackoff}-${r.retry.maxBackoff} ms${fb}`);
  }
  if (c.deadman) lines.push(`dead man's switch: page ${c.deadman.receiver} after ${c.deadman.coordinatorSilence} ms without a coordinator heartbeat or ${c.deadman.natsDown} ms without NATS`);
  lines.push(`nats: ${c.nats.servers.join(',')} stream ${c.nats.stream} consumer ${c.nats.consumer} (max ack pending ${c.nats.maxAckPending}, ack wait ${c.nats.ackWait} ms)`);
  lines.push(`store: ${c.dataDir}/notify.db`);
  return `${lines.join('\n')}\n`;
}
