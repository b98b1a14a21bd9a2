import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { ConfigError, deepFreeze, describeIssues, durationMs, formatFieldPath } from '@vigil/shared';
import { RECEIVER_TYPES, receiverSchema, type ReceiverConfig } from './receivers/index.js';
import { MATCH_FIELDS, type Match, type Route } from './routes.js';

/** One value or a list of values; numbers (levels) are compared as text. */
const matchValues = z
  .union([z.string().min(1), z.number(), z.array(z.union([z.string().min(1), z.number()])).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]).map(String));

const matchSchema = z
  .object({
    ...Object.fromEntries(MATCH_FIELDS.map((f) => [f, matchValues.optional()])),
    labels: z.record(z.string().min(1), matchValues).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const levels = (m as { level?: string[] }).level ?? [];
    for (const l of levels) if (!['1', '2', '3'].includes(l)) ctx.addIssue({ code: 'custom', path: ['level'], message: `level ${JSON.stringify(l)} is not 1, 2 or 3` });
  });

interface RouteInput {
  receiver?: string | undefined;
  match?: z.output<typeof matchSchema> | undefined;
  continue?: boolean | undefined;
  routes?: RouteInput[] | undefined;
}

const routeSchema: z.ZodType<RouteInput> = z.lazy(() =>
  z
    .object({
      receiver: z.string().min(1).optional(),
      match: matchSchema.optional(),
      continue: z.boolean().optional(),
      routes: z.array(routeSchema).optional(),
    })
    .strict(),
);

export const notifyConfigSchema = z
  .object({
    /** Where the idempotency records live (SQLite). @default ./vigil-notify-data */
    dataDir: z.string().min(1).default('./vigil-notify-data'),
    /** Log level of the JSON log on standard error. @default info */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** The host label that names a host's zone, as in the coordinator's config. @default zone */
    zoneLabel: z.string().min(1).default('zone'),
    /** HOST:PORT for /metrics and /healthz; none when absent. */
    listen: z.string().regex(/^[^:]+:\d+$/, 'must be HOST:PORT').optional(),
    /** Where events come from: the coordinator's NATS JetStream stream. */
    nats: z
      .object({
        /** NATS server URLs (`nats://` or `tls://`), tried in turn. */
        servers: z.array(z.string().regex(/^(nats|tls):\/\//, 'must start with nats:// or tls://')).min(1).default(['nats://127.0.0.1:4222']),
        /** JetStream stream holding Vigil's events, as the coordinator's natsStream. */
        stream: z.string().min(1).default('VIGIL'),
        /** The durable consumer's name; two vigil-notify with the same name share the work. @default vigil-notify */
        consumer: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('vigil-notify'),
        /** Events handed out and not yet acknowledged, at most. @default 256 */
        maxAckPending: z.number().int().min(1).max(10_000).default(256),
        /** Redelivered if not acknowledged (or reported in progress) this long. @default 30s */
        ackWait: durationMs.default(30_000),
        /** Where a consumer created for the first time starts: new events only, or the whole stream. @default new */
        startAt: z.enum(['new', 'all']).default('new'),
      })
      .strict()
      .default({ servers: ['nats://127.0.0.1:4222'], stream: 'VIGIL', consumer: 'vigil-notify', maxAckPending: 256, ackWait: 30_000, startAt: 'new' }),
    /** Where pages go: Alertmanager, PagerDuty, Slack, webhook or email receivers, each with its retry, fallback and rate limit. At least one. See docs/notify.md. */
    receivers: z.array(receiverSchema).min(1),
    /** The dead man's switch: page `receiver` when no coordinator is heard, or NATS is lost, this long. */
    deadman: z
      .object({
        /** The receiver that gets the dead man's page. */
        receiver: z.string().min(1),
        /** Page when no coordinator heartbeat has arrived this long. @default 2m */
        coordinatorSilence: durationMs.default(120_000),
        /** Page when NATS has been unreachable this long. @default 2m */
        natsDown: durationMs.default(120_000),
      })
      .strict()
      .optional(),
    /** The routing tree: the top route names the default receiver; its `routes` match events by field or label, first match wins unless `continue`. See docs/notify.md. */
    route: routeSchema,
  })
  .strict();

export type NotifyConfigInput = z.output<typeof notifyConfigSchema>;

export interface NotifyConfig extends Omit<NotifyConfigInput, 'route'> {
  route: Route;
  receiversByName: ReadonlyMap<string, ReceiverConfig>;
}

function toMatch(m: RouteInput['match']): Match {
  const { labels, ...fields } = (m ?? {}) as Record<string, string[]> & { labels?: Record<string, string[]> };
  return { fields: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)), labels: labels ?? {} };
}

function toRoute(r: RouteInput): Route {
  return { receiver: r.receiver, match: toMatch(r.match), continue: r.continue ?? false, routes: (r.routes ?? []).map(toRoute) };
}

/** Problems a schema cannot see: names that must exist, fallbacks that must not loop. */
function crossCheck(c: NotifyConfigInput): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const names = new Map<string, number>();
  c.receivers.forEach((r, i) => {
    if (names.has(r.name)) problems.push({ path: ['receivers', i, 'name'], message: `receiver name "${r.name}" is used twice (also receivers[${names.get(r.name)}])` });
    else names.set(r.name, i);
  });
  c.receivers.forEach((r, i) => {
    if (r.fallback === undefined) return;
    if (!names.has(r.fallback)) problems.push({ path: ['receivers', i, 'fallback'], message: `no receiver is named "${r.fallback}" (known: ${[...names.keys()].join(', ')})` });
    else if (r.fallback === r.name) problems.push({ path: ['receivers', i, 'fallback'], message: `a receiver cannot be its own fallback ("${r.name}")` });
  });
  c.receivers.forEach((r, i) => {
    // They deduplicate and group by the incident's key themselves; a summary message has no incident to resolve.
    if ((r.type === 'pagerduty' || r.type === 'alertmanager') && (r.rateLimit || r.groupWait !== undefined)) {
      problems.push({ path: ['receivers', i, r.rateLimit ? 'rateLimit' : 'groupWait'], message: `not for ${r.type} receivers, which group by incident themselves (use it on slack, webhook or email receivers)` });
    }
  });
  if (c.deadman && !names.has(c.deadman.receiver)) problems.push({ path: ['deadman', 'receiver'], message: `no receiver is named "${c.deadman.receiver}" (known: ${[...names.keys()].join(', ')})` });
  if (c.route.receiver === undefined) problems.push({ path: ['route', 'receiver'], message: 'the top route must name the default receiver' });
  if (c.route.match !== undefined) problems.push({ path: ['route', 'match'], message: 'the top route matches every event; put matches on its routes' });
  const visit = (r: RouteInput, path: (string | number)[]) => {
    if (r.receiver !== undefined && !names.has(r.receiver)) problems.push({ path: [...path, 'receiver'], message: `no receiver is named "${r.receiver}" (known: ${[...names.keys()].join(', ')})` });
    (r.routes ?? []).forEach((child, n) => visit(child, [...path, 'routes', n]));
  };
  visit(c.route, ['route']);
  return problems;
}

/** The line of the YAML node at `path`, or of the nearest parent that exists. */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined = rangeLine(node, counter);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      line = rangeLine(pair.key, counter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      line = rangeLine(node, counter) ?? line;
    } else break;
  }
  return line;
}

function rangeLine(node: unknown, counter: LineCounter): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}

/**
 * Parses and validates a config text. Every problem is one line naming the line of the
 * file, the field and the bad value, e.g.
 * `line 12: route.routes[0].receiver: no receiver is named "pager" (known: slack, mail)`.
 */
export function parseNotifyConfig(text: string, file = 'config'): NotifyConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.slice(0, 5).map((e) => `${file}: ${e.linePos?.[0] ? `line ${e.linePos[0].line}: ` : ''}${e.message.split('\n')[0]}`));
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError([`${file}: must hold a mapping (receivers, route, ...) at its top level`]);
  const at = (path: readonly PropertyKey[]) => {
    const line = lineOf(doc, counter, path);
    return line === undefined ? `${file}: ` : `${file}: line ${line}: `;
  };
  const parsed = notifyConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error, raw);
    throw new ConfigError(parsed.error.issues.map((issue, n) => at(issue.path) + lines[n]));
  }
  const problems = crossCheck(parsed.data);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${at(p.path)}${formatFieldPath('', p.path)}: ${p.message}`));
  const receiversByName = new Map(parsed.data.receivers.map((r) => [r.name, r] as const));
  return deepFreeze({ ...parsed.data, route: toRoute(parsed.data.route), receiversByName }) as NotifyConfig;
}

export function readNotifyConfig(file: string): NotifyConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read "${file}": ${(err as Error).message}`]);
  }
  return parseNotifyConfig(text, file);
}

export { RECEIVER_TYPES };
