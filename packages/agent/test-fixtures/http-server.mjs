// Fixture service: an HTTP server on 127.0.0.1:PORT (env PORT or first argument) that
// answers 200 with its pid, so a test can tell a restarted instance from the old one.
import http from 'node:http';

const port = Number(process.env.PORT ?? process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: PORT=<port> node http-server.mjs');
  process.exit(2);
}
const server = http.createServer((req, res) => {
  // LOG_REQUESTS=1: a line per request, like most services (and a write that fails once its output is gone).
  if (process.env.LOG_REQUESTS) console.log(`${req.method} ${req.url} 200`);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, pid: process.pid }));
});
server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port} pid ${process.pid}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
