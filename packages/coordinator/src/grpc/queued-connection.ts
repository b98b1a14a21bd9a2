import type { Socket } from 'node:net';

/**
 * Hands a connection just taken from the accept queue on to TLS and HTTP/2 only if its
 * peer is still there three turns of the event loop later; closes it otherwise.
 *
 * Why: when a whole fleet reconnects at once (a coordinator restart), connections wait in
 * the kernel's accept queue for seconds. An agent that gave up on the connection meanwhile
 * (agents before the accept wait gave up 5 s after dialling; agents now give a connection
 * not yet taken 30 s) has closed its end by the time the coordinator takes the
 * connection, and what waits in the queue is its first bytes followed by its FIN. Set up
 * anyway, each such connection cost a TLS handshake or an HTTP/2 session (about a
 * millisecond here) for nobody: in a 10,000-agent restart the coordinator spent seconds in a
 * row on them while no agent got connected. Reading what is already queued costs a few
 * microseconds and shows the FIN.
 *
 * What is read meanwhile is put back before the connection is handed on; Node's TLS and
 * HTTP/2 take bytes already buffered on a socket (tls initRead, Http2Session setup). A
 * peer that half-closes right after its first bytes is taken for gone: gRPC clients never
 * do that.
 */
export function handOnIfOpen(socket: Socket, handOn: (socket: Socket) => void, gone: () => void): void {
  const chunks: Buffer[] = [];
  let ended = false;
  const read = (): void => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) chunks.push(chunk);
  };
  const onEnd = (): void => {
    ended = true;
  };
  // An error (a reset) while waiting ends the connection; without a listener it would throw.
  const onError = (): void => {
    ended = true;
  };
  socket.on('readable', read);
  socket.on('end', onEnd);
  socket.on('error', onError);
  // Reading starts with the turn that accepted the socket; the next turn's poll phase reads
  // the queued bytes and stops at them, the one after reads the FIN behind them. The check
  // phase of that turn (the third setImmediate) knows (measured with a held loop: the
  // bytes come after the first setImmediate, 'end' after the second).
  afterTurns(3, () => {
    socket.off('readable', read);
    socket.off('end', onEnd);
    socket.off('error', onError);
    if (ended || socket.destroyed) {
      socket.destroy();
      gone();
      return;
    }
    if (chunks.length > 0) socket.unshift(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    handOn(socket);
  });
}

function afterTurns(turns: number, fn: () => void): void {
  setImmediate(() => (turns <= 1 ? fn() : afterTurns(turns - 1, fn)));
}
