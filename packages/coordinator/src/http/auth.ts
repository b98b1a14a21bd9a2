import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LogWindow, VigilError } from '@vigil/shared';

export type Role = 'viewer' | 'operator';
export interface Principal {
  name: string;
  role: Role;
}
export interface TokenEntry {
  name: string;
  role: Role;
  sha256: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Paths anyone may read: a load balancer's health and readiness checks carry no token. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Bearer tokens with roles. Tokens are stored only as SHA-256 hashes; comparison is
 * constant-time. With no tokens configured (allowed only on loopback) every caller is a
 * local operator.
 */
export function installAuth(app: FastifyInstance, tokens: readonly TokenEntry[], now: () => number = Date.now): void {
  const byHash = tokens.map((t) => ({ ...t, digest: Buffer.from(t.sha256, 'hex') }));
  const rejected = new RejectionLog(now);
  const refuse = (req: FastifyRequest, reason: string, message: string): never => {
    rejected.note(req, reason);
    throw new VigilError('UNAUTHENTICATED', message);
  };
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    if (OPEN_PATHS.has(path)) return;
    if (byHash.length === 0) {
      req.principal = { name: 'local', role: 'operator' };
      return;
    }
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return refuse(req, 'no bearer token', 'authorization: a bearer token is required (Authorization: Bearer <token>)');
    const digest = createHash('sha256').update(m[1]!, 'utf8').digest();
    const found = byHash.find((t) => t.digest.length === digest.length && timingSafeEqual(t.digest, digest));
    if (!found) return refuse(req, 'unknown token', 'authorization: the token is not valid');
    req.principal = { name: found.name, role: found.role };
  });
}

/** Throws unless the caller may change things. */
export function requireOperator(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p || p.role !== 'operator') throw new VigilError('PERMISSION_DENIED', `role "${p?.role ?? 'none'}" may only read; this needs "operator"`);
  return p;
}

/** One warning per source address and minute; the rest of that minute is counted. */
export const REJECTION_LOG_WINDOW_MS = 60_000;
/** Sources remembered at most: a scan from many addresses must not grow memory without end. */
const MAX_SOURCES = 10_000;

/**
 * Logs refused API requests with their source address, so guessing and misconfigured
 * clients show up, without letting a flood of them flood the log. The token itself is
 * never logged: a mistyped one is often one character off a real one.
 */
class RejectionLog {
  private readonly window = new LogWindow<string>(REJECTION_LOG_WINDOW_MS, MAX_SOURCES);

  constructor(private readonly now: () => number) {}

  note(req: FastifyRequest, reason: string): void {
    const source = req.ip;
    const suppressedSinceLast = this.window.pass(source, this.now());
    if (suppressedSinceLast === undefined) return;
    req.log.warn(
      { event: 'api_auth_rejected', source, reason, method: req.method, path: req.url.split('?')[0], suppressedSinceLast },
      `API request refused from ${source} (${reason}); further refusals from it are counted, at most one line a minute`,
    );
  }
}
