// Fixture service: accepts TCP connections on 127.0.0.1:PORT and never answers HTTP on them,
// and ignores SIGTERM, like a wedged process. With HANG_ONCE_MARKER=<file> only the first
// instance hangs (it creates the file); later ones serve 200, as a restart would cure a deadlock.
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const port = Number(process.env.PORT ?? process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: PORT=<port> node hang.mjs');
  process.exit(2);
}
const marker = process.env.HANG_ONCE_MARKER;
const hang = !marker || !existsSync(marker);
if (hang) {
  if (marker) writeFileSync(marker, String(process.pid));
  const held = [];
  net.createServer((socket) => held.push(socket)).listen(port, '127.0.0.1', () => console.log(`hanging on 127.0.0.1:${port} pid ${process.pid}`));
  process.on('SIGTERM', () => console.log('SIGTERM ignored'));
} else {
  http
    .createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, pid: process.pid }));
    })
    .listen(port, '127.0.0.1', () => console.log(`serving on 127.0.0.1:${port} pid ${process.pid}`));
}
