import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface RecordedRequest {
  at: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body parsed as JSON, undefined if it is not JSON. */
  json: unknown;
  /** The status answered. */
  status: number;
}

/**
 * An HTTP receiver on 127.0.0.1:0 that records every request. `respond` decides the
 * status (default 200); `hang` makes it accept requests and never answer, as a receiver
 * stuck behind a dead proxy does.
 */
export class RecordingReceiver {
  readonly requests: RecordedRequest[] = [];
  respond: (r: Omit<RecordedRequest, 'status'>) => { status: number; body?: string } = () => ({ status: 200, body: 'ok' });
  hang = false;
  /** Answer each request 0.5-1.5 times this long after it arrived (a slow receiver); it is recorded when answered. */
  delayMs = 0;
  private readonly server: Server;
  private port = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.hang) return;
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const answer = () => {
          const base = { at: Date.now(), path: req.url ?? '', headers: req.headers, body, json };
          const a = this.respond(base);
          this.requests.push({ ...base, status: a.status });
          res.writeHead(a.status, { 'content-type': 'application/json' });
          res.end(a.body ?? '');
        };
        if (this.delayMs > 0) setTimeout(answer, this.delayMs * (0.5 + Math.random()));
        else answer();
      });
    });
  }

  static async start(): Promise<RecordingReceiver> {
    const r = new RecordingReceiver();
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', () => resolve()));
    r.port = (r.server.address() as { port: number }).port;
    return r;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The requests answered 2xx. */
  accepted(): RecordedRequest[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];

/**
 * The PagerDuty Events API v2 contract (developer.pagerduty.com, "Send an Alert Event"):
 * every event has `routing_key`, `event_action` in trigger/acknowledge/resolve and, for
 * acknowledge and resolve, the `dedup_key` of the alert; a trigger has `payload` with
 * `summary` (at most 1024 characters), `source` and `severity` in
 * critical/error/warning/info, and an optional ISO 8601 `timestamp`. Returns the problems.
 */
export function eventsV2Problems(body: unknown): string[] {
  const p: string[] = [];
  if (typeof body !== 'object' || body === null) return ['body is not a JSON object'];
  const b = body as Record<string, unknown>;
  if (typeof b.routing_key !== 'string' || b.routing_key.length === 0) p.push('routing_key missing');
  if (!ACTIONS.includes(b.event_action as string)) p.push(`event_action ${JSON.stringify(b.event_action)} invalid`);
  if (b.dedup_key !== undefined && (typeof b.dedup_key !== 'string' || b.dedup_key.length > 255)) p.push('dedup_key must be a string of at most 255 characters');
  if (b.event_action !== 'trigger' && typeof b.dedup_key !== 'string') p.push(`${String(b.event_action)} needs dedup_key`);
  if (b.event_action === 'trigger') {
    const pl = b.payload as Record<string, unknown> | undefined;
    if (!pl || typeof pl !== 'object') p.push('trigger needs payload');
    else {
      if (typeof pl.summary !== 'string' || pl.summary.length === 0 || pl.summary.length > 1024) p.push('payload.summary must be 1-1024 characters');
      if (typeof pl.source !== 'string' || pl.source.length === 0) p.push('payload.source missing');
      if (!SEVERITIES.includes(pl.severity as string)) p.push(`payload.severity ${JSON.stringify(pl.severity)} invalid`);
      if (pl.timestamp !== undefined && Number.isNaN(Date.parse(pl.timestamp as string))) p.push('payload.timestamp is not ISO 8601');
    }
  }
  return p;
}

/**
 * An Events-v2 receiver: 202 `{status: "success", dedup_key}` for a valid event, 400
 * `{status: "invalid event", errors}` otherwise, as PagerDuty answers. `failing` makes it
 * answer 500 (a receiver that is down).
 */
export async function startEventsV2Receiver(): Promise<RecordingReceiver & { failing: boolean }> {
  const r = (await RecordingReceiver.start()) as RecordingReceiver & { failing: boolean };
  r.failing = false;
  r.respond = (req) => {
    if (r.failing) return { status: 500, body: '{"status":"unavailable"}' };
    const problems = eventsV2Problems(req.json);
    if (problems.length > 0) return { status: 400, body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: problems }) };
    const dedup = (req.json as { dedup_key?: string }).dedup_key ?? 'generated';
    return { status: 202, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedup }) };
  };
  return r;
}
