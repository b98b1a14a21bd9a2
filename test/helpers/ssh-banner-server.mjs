// A stand-in for sshd as far as the runbook's ssh_connectivity check can tell: it sends
// an OpenSSH identification line to every connection and hangs up. No key exchange, no
// login. Usage: node ssh-banner-server.mjs [HOST] [PORT]; prints "listening HOST:PORT".
import { createServer } from 'node:net';

const [host = '0.0.0.0', port = '22'] = process.argv.slice(2);
const BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n';

const server = createServer((socket) => {
  socket.on('error', () => {});
  socket.end(BANNER);
});
server.on('error', (err) => {
  process.stderr.write(`ssh-banner-server: ${err.message}\n`);
  process.exit(1);
});
server.listen({ host, port: Number(port) }, () => {
  process.stdout.write(`listening ${host}:${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => server.close(() => process.exit(0)));
