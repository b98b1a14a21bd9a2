import type { HostDetail, HostSummary, Incident, IncidentDetail, Prediction, Series } from './types.js';

/** An API answer other than 2xx, with the coordinator's own error message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The coordinator's /v1 API on the page's own origin, with the bearer token in a header. */
export class Api {
  constructor(
    private readonly token: () => string | null,
    private readonly onUnauthorized: () => void,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (res.status === 401) this.onUnauthorized();
      throw new ApiError(res.status, err?.code ?? String(res.status), err?.message ?? `${method} ${path}: HTTP ${res.status}`);
    }
    return json as T;
  }

  hosts = async (): Promise<HostSummary[]> => {
    // Pages of the largest size through nextCursor; a coordinator without paging refuses
    // `limit` (400) and answers everything at once.
    const all: HostSummary[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await this.request<{ hosts: HostSummary[]; nextCursor?: string }>('GET', `/v1/hosts?limit=5000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        all.push(...page.hosts);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 400) || all.length > 0) throw err;
      return (await this.request<{ hosts: HostSummary[] }>('GET', '/v1/hosts')).hosts;
    }
  };

  /** The hosts whose id or hostname contains `q` (one host's fresh summary after its service changed). */
  hostsMatching = async (q: string): Promise<HostSummary[]> => (await this.request<{ hosts: HostSummary[] }>('GET', `/v1/hosts?q=${encodeURIComponent(q)}&limit=100`)).hosts;

  host = async (id: string): Promise<HostDetail> => (await this.request<{ host: HostDetail }>('GET', `/v1/hosts/${encodeURIComponent(id)}`)).host;
  incidents = async (query = ''): Promise<Incident[]> => (await this.request<{ incidents: Incident[] }>('GET', `/v1/incidents${query}`)).incidents;
  incident = async (id: string): Promise<IncidentDetail> => (await this.request<{ incident: IncidentDetail }>('GET', `/v1/incidents/${encodeURIComponent(id)}`)).incident;
  predictions = async (host: string): Promise<Prediction[]> => (await this.request<{ predictions: Prediction[] }>('GET', `/v1/predictions?host=${encodeURIComponent(host)}`)).predictions;
  series = (host: string, metric: string, service: string | null, width: number): Promise<Series> =>
    this.request<Series>('GET', `/v1/hosts/${encodeURIComponent(host)}/series?metric=${encodeURIComponent(metric)}${service ? `&service=${encodeURIComponent(service)}` : ''}&width=${width}`);
  ack = (id: string, comment: string) => this.request('POST', `/v1/incidents/${encodeURIComponent(id)}/ack`, { comment });
  resolve = (id: string, comment: string) => this.request('POST', `/v1/incidents/${encodeURIComponent(id)}/resolve`, { comment });
  silence = (body: { host?: string; service?: string; class?: string; duration: string; comment: string }) => this.request('POST', '/v1/silences', body);
}
