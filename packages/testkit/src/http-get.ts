import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

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
