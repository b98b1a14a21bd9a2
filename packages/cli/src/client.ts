import { ApiError, CliError, UnreachableError } from './errors.js';
import { EXIT } from './exit-codes.js';

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Extra headers, e.g. Accept for a streamed answer. */
  headers?: Record<string, string>;
  /** No overall deadline (a live stream); the caller aborts. */
  stream?: boolean;
  signal?: AbortSignal;
}

/** The coordinator's HTTP API over Node's fetch. Every error becomes a CliError with its exit code. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  url(path: string, query: Query = {}): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === false) continue;
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
    }
    return u.toString();
  }

  /** The raw response of a successful request (2xx); anything else throws. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const url = this.url(path, opts.query);
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const signals = [opts.signal, opts.stream ? undefined : AbortSignal.timeout(this.timeoutMs)].filter((s): s is AbortSignal => s !== undefined);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new CliError(`${method} ${path}: no answer from ${this.baseUrl} within ${this.timeoutMs} ms`, EXIT.API, { cause: err });
      throw new UnreachableError(this.baseUrl, err);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let code = `HTTP_${res.status}`;
    let message = text.trim().slice(0, 500) || res.statusText;
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
    } catch {
      // Not the API's error shape (a proxy's page): its text is the message.
    }
    throw new ApiError(res.status, code, message);
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`${method} ${path}: the answer is not JSON: ${text.slice(0, 200)}`, EXIT.API);
    }
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, query ? { query } : {});
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>('POST', path, { body });
  }

  delete<T>(path: string): Promise<T> {
    return this.json<T>('DELETE', path);
  }
}

/** A path segment, escaped: host ids and incident ids go into URLs. */
export const seg = (s: string): string => encodeURIComponent(s);
