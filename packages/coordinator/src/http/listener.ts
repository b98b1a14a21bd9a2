import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, type TlsFiles } from '@vigil/shared';

/** The API's socket, bound before the coordinator is built so that its URL is known then. */
export interface HttpListener {
  readonly server: HttpServer | HttpsServer;
  readonly port: number;
  /** `http(s)://host:port` as bound: with port 0 in the config, the port the OS chose. */
  readonly url: string;
  /** The app's request handler (fastify hands it over when it is built). */
  handle(handler: RequestHandler): void;
  /** From now on requests go to the app's handler; until then they are answered 503. */
  open(): void;
  close(): Promise<void>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What a request gets while the coordinator is still building: retry shortly. */
const starting: RequestHandler = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'the coordinator is starting; retry in a second' } }));
};

/**
 * Binds the API's listener: HTTPS with the coordinator's certificate under TLS, else HTTP.
 * It is bound before the coordinator is built, so the API's URL (for links in events) is
 * a fact the build starts from, not something patched in after listening. Until `open()`
 * every request is answered 503 with Retry-After.
 */
export async function bindHttp(at: { host: string; port: number }, tls: TlsFiles): Promise<HttpListener> {
  const secure = Boolean(tls.cert && tls.key);
  const server = secure ? createHttpsServer({ key: readFileSync(tls.key!), cert: readFileSync(tls.cert!) }) : createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('request', starting);
  const port = (server.address() as AddressInfo).port;
  let app: RequestHandler | undefined;
  return {
    server,
    port,
    url: `${secure ? 'https' : 'http'}://${formatHostPort(at.host, port)}`,
    handle(handler) {
      app = handler;
    },
    open() {
      if (!app) throw new Error('open() before the app handed over its request handler');
      server.off('request', starting);
      server.on('request', app);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // Long-lived responses (the event stream) are ended by the app's own close first.
        server.closeAllConnections();
      }),
  };
}
