import { zoneOf, type NotifyEvent } from './event.js';

/** The fields a route can match on; `labels` matches any host label by name. */
export const MATCH_FIELDS = ['level', 'class', 'host', 'service', 'zone', 'role', 'subject'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

/** Every given field must match one of its values; an absent field matches anything. */
export interface Match {
  fields: Partial<Record<MatchField, readonly string[]>>;
  labels: Readonly<Record<string, readonly string[]>>;
}

/**
 * A node of the routing tree, read like Alertmanager's: the root matches everything and
 * names the default receiver. A node that matches tries its children in order; the first
 * child that matches decides, unless it says `continue: true`, in which case the next
 * children are tried too. A node none of whose children match delivers to its own
 * receiver (inherited from its parent when it names none).
 */
export interface Route {
  receiver: string | undefined;
  match: Match;
  continue: boolean;
  routes: readonly Route[];
}

/** One receiver chosen for an event, and the route that chose it ("route 2.1" is the first child of the second). */
export interface RouteHit {
  receiver: string;
  path: string;
}

/** The values an event offers to each match field. */
export function eventFields(e: Pick<NotifyEvent, 'incident' | 'labels'>, zoneLabel = 'zone'): Record<MatchField, string | undefined> {
  const i = e.incident;
  return {
    level: String(i.level),
    class: i.class,
    host: i.hostId,
    service: i.service ?? undefined,
    zone: zoneOf(e, zoneLabel),
    role: e.labels['role'],
    subject: (i.subject as { kind?: string } | undefined)?.kind,
  };
}

export function routeMatches(m: Match, fields: Record<MatchField, string | undefined>, labels: Record<string, string>): boolean {
  for (const [f, values] of Object.entries(m.fields) as [MatchField, readonly string[]][]) {
    const v = fields[f];
    if (v === undefined || !values.includes(v)) return false;
  }
  for (const [name, values] of Object.entries(m.labels)) {
    const v = labels[name];
    if (v === undefined || !values.includes(v)) return false;
  }
  return true;
}

/**
 * The receivers for an event, in route order, each once (the first route that chose a
 * receiver is the one reported). The root always matches, so the result is never empty.
 */
export function routeEvent(root: Route, e: Pick<NotifyEvent, 'incident' | 'labels'>, zoneLabel = 'zone'): RouteHit[] {
  const fields = eventFields(e, zoneLabel);
  const hits = walk(root, fields, e.labels, root.receiver!, 'root');
  const seen = new Set<string>();
  return hits.filter((h) => (seen.has(h.receiver) ? false : (seen.add(h.receiver), true)));
}

function walk(node: Route, fields: Record<MatchField, string | undefined>, labels: Record<string, string>, inherited: string, path: string): RouteHit[] {
  const receiver = node.receiver ?? inherited;
  const out: RouteHit[] = [];
  for (const [n, child] of node.routes.entries()) {
    if (!routeMatches(child.match, fields, labels)) continue;
    const childPath = path === 'root' ? `route ${n + 1}` : `${path}.${n + 1}`;
    out.push(...walk(child, fields, labels, receiver, childPath));
    if (!child.continue) break;
  }
  if (out.length === 0) out.push({ receiver, path: path === 'root' ? 'default route' : path });
  return out;
}

/** The tree as `--check` prints it: one line per route, indented by depth. */
export function describeRoutes(root: Route): string[] {
  const lines = [`default route → ${root.receiver}`];
  const visit = (node: Route, depth: number, path: string, inherited: string) => {
    const receiver = node.receiver ?? inherited;
    node.routes.forEach((child, n) => {
      const p = path ? `${path}.${n + 1}` : `${n + 1}`;
      const own = child.receiver ?? receiver;
      const cont = child.continue ? ', continue' : '';
      const inh = child.receiver ? '' : ' (inherited)';
      lines.push(`${'  '.repeat(depth)}route ${p}: ${describeMatch(child.match)} → ${own}${inh}${cont}`);
      visit(child, depth + 1, p, own);
    });
  };
  visit(root, 1, '', root.receiver!);
  return lines;
}

export function describeMatch(m: Match): string {
  const parts: string[] = [];
  for (const [f, values] of Object.entries(m.fields)) parts.push(`${f}${values.length === 1 ? `=${values[0]}` : ` in (${values.join(', ')})`}`);
  for (const [name, values] of Object.entries(m.labels)) parts.push(`labels.${name}${values.length === 1 ? `=${values[0]}` : ` in (${values.join(', ')})`}`);
  return parts.length === 0 ? 'everything' : parts.join(' and ');
}
