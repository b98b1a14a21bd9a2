import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VigilError } from '@vigil/shared';

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
export function installAuth(app: FastifyInstance, tokens: readonly TokenEntry[]): void {
  const byHash = tokens.map((t) => ({ ...t, digest: Buffer.from(t.sha256, 'hex') }));
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    if (OPEN_PATHS.has(path)) return;
    if (byHash.length === 0) {
      req.principal = { name: 'local', role: 'operator' };
      return;
    }
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new VigilError('UNAUTHENTICATED', 'authorization: a bearer token is required (Authorization: Bearer <token>)');
    const digest = createHash('sha256').update(m[1]!, 'utf8').digest();
    const found = byHash.find((t) => t.digest.length === digest.length && timingSafeEqual(t.digest, digest));
    if (!found) throw new VigilError('UNAUTHENTICATED', 'authorization: the token is not valid');
    req.principal = { name: found.name, role: found.role };
  });
}

/** Throws unless the caller may change things. */
export function requireOperator(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p || p.role !== 'operator') throw new VigilError('PERMISSION_DENIED', `role "${p?.role ?? 'none'}" may only read; this needs "operator"`);
  return p;
}
