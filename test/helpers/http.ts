import { getRaw } from '@vigil/testkit/http-get';
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

// getRaw and the trusted CAs live in the test kit, so the coordinator launcher and these reads share them.
export { getRaw, trustCa } from '@vigil/testkit/http-get';

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
