import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The coordinator's HTTP API with any method, a bearer token and a JSON body, for the
 * routes http.ts (GET only, no token) does not cover: ack, resolve, silences, diagnose.
 */

export interface ApiResponse<T = unknown> {
  status: number;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  json: T | undefined;
  text: string;
}

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly response: ApiResponse<{ error?: { code?: string; message?: string } }>,
  ) {
    super(`${method} ${path} → ${response.status}: ${response.text.slice(0, 500)}`);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.response.status;
  }

  get code(): string | undefined {
    return this.response.json?.error?.code;
  }
}

export interface RequestOptions {
  /** A JSON value, or a string sent as is (to send malformed JSON). */
  body?: unknown;
  /** Overrides the client's token; null sends no Authorization header. */
  token?: string | null;
  /** Raw Authorization header, for malformed ones. */
  authorization?: string;
  contentType?: string;
  timeoutMs?: number;
}

export class ApiClient {
  private readonly ca: Buffer | undefined;

  /** `caFile` is trusted for an https base URL; `token` goes in every request unless overridden. */
  constructor(
    readonly baseUrl: string,
    opts: { caFile?: string; token?: string } = {},
  ) {
    this.ca = opts.caFile ? readFileSync(opts.caFile) : undefined;
    this.token = opts.token;
  }

  readonly token: string | undefined;

  /** Any status comes back; only transport failures throw. */
  request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = opts.token === undefined ? this.token : opts.token;
    if (opts.authorization !== undefined) headers.authorization = opts.authorization;
    else if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, timeout: timeoutMs, ...(url.protocol === 'https:' && this.ca ? { ca: this.ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: T | undefined;
          try {
            json = text ? (JSON.parse(text) as T) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.href} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** 2xx → the parsed body; anything else throws an ApiError carrying status and code. */
  async call<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request<T>(method, path, opts);
    if (res.status < 200 || res.status >= 300) throw new ApiError(method, path, res as ApiResponse<never>);
    return res.json as T;
  }

  get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.call<T>('GET', path, opts);
  }

  post<T>(path: string, body: unknown = {}, opts?: RequestOptions): Promise<T> {
    return this.call<T>('POST', path, { ...opts, body });
  }

  delete<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.call<T>('DELETE', path, opts);
  }
}
