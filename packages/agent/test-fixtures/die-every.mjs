// Fixture service: serves 200 on 127.0.0.1:PORT, then dies DIE_AFTER_MS (default 2000) ms
// after it started, like a service with a crash bug hit on a timer.
import http from 'node:http';

const port = Number(process.env.PORT ?? process.argv[2]);
const dieAfter = Number(process.env.DIE_AFTER_MS ?? 2000);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: PORT=<port> [DIE_AFTER_MS=2000] node die-every.mjs');
  process.exit(2);
}
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, pid: process.pid }));
  })
  .listen(port, '127.0.0.1', () => console.log(`serving on 127.0.0.1:${port} pid ${process.pid}, dying in ${dieAfter} ms`));
setTimeout(() => {
  console.error(`fatal: crashing after ${dieAfter} ms`);
  process.exit(3);
}, dieAfter);
