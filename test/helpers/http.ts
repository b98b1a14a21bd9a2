import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
/** Small JSON client for the coordinator's HTTP API. */

export interface HostSummary {
  id: string;
  state: 'online' | 'suspect' | 'silent' | 'left' | string;
  lastSeen: string | null;
  [key: string]: unknown;
}

export interface HostTransition {
  from: string | null;
  to: string;
  reason: string;
  at: string;
}

export interface HostDetail extends HostSummary {
  latestSample: Record<string, unknown> | null;
  history: HostTransition[];
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    url: string,
  ) {
    super(`GET ${url} → ${status}: ${body.slice(0, 500)}`);
    this.name = 'HttpError';
  }
}

/** CA certificates (PEM) to trust for an https origin, e.g. a coordinator started with TLS. */
const trusted = new Map<string, Buffer>();

export function trustCa(baseUrl: string, caFile: string): void {
  trusted.set(new URL(baseUrl).origin, readFileSync(caFile));
}

/** GET with node:http(s), so an https API signed by a test CA can be read. */
export function getRaw(url: string, timeoutMs = 2000): Promise<{ status: number; contentType: string | undefined; body: string }> {
  const u = new URL(url);
  const get = u.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const req = get(u, { timeout: timeoutMs, ...(u.protocol === 'https:' ? { ca: trusted.get(u.origin) } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export async function getJson<T>(url: string, timeoutMs = 2000): Promise<T> {
  const res = await getRaw(url, timeoutMs);
  if (res.status < 200 || res.status >= 300) throw new HttpError(res.status, res.body, url);
  return JSON.parse(res.body) as T;
}

/** Every host, following the pages of `GET /v1/hosts`. */
export async function listHosts(baseUrl: string): Promise<HostSummary[]> {
  const hosts: HostSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await getJson<{ hosts: HostSummary[]; nextCursor?: string }>(`${baseUrl}/v1/hosts?limit=5000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    hosts.push(...page.hosts);
    cursor = page.nextCursor;
  } while (cursor);
  return hosts;
}

export async function getHost(baseUrl: string, id: string): Promise<HostDetail> {
  return (await getJson<{ host: HostDetail }>(`${baseUrl}/v1/hosts/${encodeURIComponent(id)}`)).host;
}

/** id → state, for compact assertions and failure messages. */
export async function hostStates(baseUrl: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of await listHosts(baseUrl)) out[h.id] = h.state;
  return out;
}
