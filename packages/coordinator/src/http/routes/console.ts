import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The web console's static files at `/` (built by packages/console into its dist/).
 *
 * The files carry no data and no secret: they load without a token, like /healthz, and
 * the page then asks for one and sends it in the Authorization header of its API calls.
 * So they are answered from an onRequest hook installed before the bearer-token hook
 * (app.ts): a reply sent from a hook ends the hook chain, and only the console's own
 * routes (marked in their config) are answered there.
 */
export interface ConsoleOptions {
  /**
   * The built console folder.
   * @default $VIGIL_CONSOLE_DIR when set, else packages/console/dist beside this package, else console/ in a release folder
   */
  dir?: string;
}

/**
 * Strict policy: scripts and styles only from this origin (the build has no inline
 * script), API calls only to this origin, never framed.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the console's routes: the file they answer ('*': the asset named by the path). */
    consoleFile?: string;
  }
}

/** Paths the page's own router draws; each answers index.html. */
const PAGE_ROUTES = ['/', '/incidents', '/incidents/:id', '/hosts/:id'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.map']);

interface StaticFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  /** Vite names files under assets/ by their content hash: they never change. */
  immutable: boolean;
}

function defaultDirs(): string[] {
  // Named explicitly, it is the only place looked at: a wrong path must not fall back quietly.
  if (process.env.VIGIL_CONSOLE_DIR) return [process.env.VIGIL_CONSOLE_DIR];
  const here = fileURLToPath(new URL('.', import.meta.url));
  return [
    // dist/http/routes/ in the workspace: packages/console/dist
    join(here, '..', '..', '..', '..', 'console', 'dist'),
    // a release folder keeps it in console/ beside lib/, where the bundle is (scripts/package.mjs)
    join(here, '..', 'console'),
  ];
}

/** Reads every built file once into memory (a few hundred KB), gzipped where it pays. */
export function loadConsole(dir: string): Map<string, StaticFile> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const files = new Map<string, StaticFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const ext = extname(name);
        const body = readFileSync(full);
        const path = `/${relative(dir, full).split(sep).join('/')}`;
        files.set(path, {
          body,
          gzip: COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body, { level: 9 }) : null,
          type: TYPES[ext] ?? 'application/octet-stream',
          immutable: path.startsWith('/assets/'),
        });
      }
    }
  };
  walk(dir);
  return files;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigil console not built</title></head>
<body><h1>The Vigil console is not built</h1><p>This coordinator serves its API as usual (see <code>/openapi.json</code>),
but found no web console files. Build them with <code>pnpm run build</code> (they land in <code>packages/console/dist</code>),
or point <code>VIGIL_CONSOLE_DIR</code> at a built console folder, and reload.</p></body></html>\n`;

/** Installs the console's routes and the hook that answers them; call before installAuth. */
export function installConsole(app: FastifyInstance, opts: ConsoleOptions = {}): void {
  const dirs = opts.dir ? [opts.dir] : defaultDirs();
  let files: Map<string, StaticFile> | null = null;
  let triedAt = 0;
  // Looked up on demand: a console built after the coordinator started is found, at most once a second.
  const current = (): Map<string, StaticFile> | null => {
    if (files || Date.now() - triedAt < 1000) return files;
    triedAt = Date.now();
    for (const d of dirs) {
      files = loadConsole(d);
      if (files) break;
    }
    return files;
  };

  const security = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin');

  const send = (req: FastifyRequest, reply: FastifyReply, path: string) => {
    const all = current();
    security(reply);
    if (!all) return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
    const f = all.get(path);
    if (!f) return reply.code(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(`no console file ${path}\n`);
    reply.header('cache-control', f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache').header('vary', 'accept-encoding').type(f.type);
    const accepts = String(req.headers['accept-encoding'] ?? '');
    if (f.gzip && /\bgzip\b/.test(accepts)) return reply.header('content-encoding', 'gzip').send(f.gzip);
    return reply.send(f.body);
  };

  const fileOf = (req: FastifyRequest): string | null => {
    const file = req.routeOptions.config?.consoleFile;
    if (file === undefined) return null;
    return file === '*' ? `/assets/${(req.params as { '*': string })['*']}` : file;
  };
  app.addHook('onRequest', async (req, reply) => {
    const file = fileOf(req);
    if (file === null) return;
    await send(req, reply, file);
    return reply;
  });
  // The handlers only run if the hook did not answer, which it always does.
  const handler = async (req: FastifyRequest, reply: FastifyReply) => send(req, reply, fileOf(req) ?? '/index.html');
  for (const page of PAGE_ROUTES) app.get(page, { config: { consoleFile: '/index.html' } }, handler);
  app.get('/assets/*', { config: { consoleFile: '*' } }, handler);
  app.get('/favicon.svg', { config: { consoleFile: '/favicon.svg' } }, handler);
}
