/**
 * The liveness datagram receiver: a worker thread whose loop does nothing but read the UDP
 * socket, check each datagram and mark its slot on the board (datagram-board.ts). On the
 * main thread the datagrams would wait behind heartbeats, stores and verdicts, and the
 * kernel drops what exceeds the socket's buffer (about 500 datagrams at Linux's default
 * rmem_max: 35 ms of a 15,000-agent fleet), so every busy turn would lose some.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
// Subpaths, not the package's index: this thread needs two small modules, and the index
// (schemas, generated code, logging) would cost it a third of a second at every start.
import { decodeLivenessDatagram, type DatagramRejection } from '@vigil/shared/liveness-datagram';
import { LogWindow } from '@vigil/shared/log-window';
import { COUNTER_INDEX, KEY_BYTES, TICK_MS, viewBoard } from './datagram-board.js';

export interface ReceiverWorkerData {
  host: string;
  /** Tried in order: the first that binds is used (0: any free port). */
  ports: number[];
  buffer: SharedArrayBuffer;
  slots: number;
  recvBufferSize: number;
}

/** Slots are opened on the board (gen and key); only a close is a message, as it is answered. */
export type ToReceiver = { op: 'close'; slot: number };
export type FromReceiver =
  | { type: 'listening'; port: number; recvBufferSize: number }
  | { type: 'error'; message: string }
  /** The slot takes no more datagrams of its closed stream: it may be handed out again. */
  | { type: 'closed'; slot: number }
  | { type: 'refused'; reason: DatagramRejection; detail: string; from: string; moreSinceLastLine: number };

/** One report per kind of refusal per this long: a flood of bad datagrams must not flood the log. */
const REPORT_EVERY_MS = 10_000;

const data = workerData as ReceiverWorkerData;
const port = parentPort!;
const board = viewBoard(data.buffer, data.slots);
/** Each slot's key as copied from the board, and the generation it was copied at. */
const keys: (Uint8Array | undefined)[] = [];
const keyGen = new Int32Array(data.slots);
const reports = new LogWindow<DatagramRejection>(REPORT_EVERY_MS);

port.on('message', (m: ToReceiver) => {
  // The main thread has set the slot's gen to 0 already; its seq goes back to 0 here, in
  // this thread, so no datagram of the closed stream can move it once 'closed' is sent.
  keys[m.slot] = undefined;
  keyGen[m.slot] = 0;
  Atomics.store(board.seq, m.slot, 0);
  port.postMessage({ type: 'closed', slot: m.slot } satisfies FromReceiver);
});

function bind(socket: Socket, p: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(p, data.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

async function listen(): Promise<Socket> {
  let last: Error | undefined;
  for (const p of data.ports) {
    const socket = createSocket({ type: isIPv6(data.host) ? 'udp6' : 'udp4', recvBufferSize: data.recvBufferSize });
    try {
      await bind(socket, p);
      return socket;
    } catch (err) {
      last = err as Error;
      socket.close();
    }
  }
  throw last ?? new Error('no port to bind');
}

/** The key of the stream holding `slot` now, copied from the board once per opening. */
function keyOf(slot: number): Uint8Array | undefined {
  if (slot >= board.slots) return undefined;
  // Read before the key: the main thread writes the key, then the gen.
  const gen = Atomics.load(board.gen, slot);
  if (gen === 0) return undefined;
  if (keyGen[slot] !== gen) {
    keys[slot] = board.keys.slice(slot * KEY_BYTES, (slot + 1) * KEY_BYTES);
    keyGen[slot] = gen;
  }
  return keys[slot];
}
const lastSeq = (slot: number) => (slot < board.slots ? Atomics.load(board.seq, slot) : 0);

listen().then(
  (socket) => {
    socket.on('message', (msg, rinfo) => {
      const r = decodeLivenessDatagram(msg, keyOf, lastSeq);
      if (r.ok) {
        const { slot, seq, agentStallMs } = r.datagram;
        board.at[slot] = Date.now();
        board.stall[slot] = agentStallMs;
        // Written last: the main thread reads at and stall after seeing a new seq.
        Atomics.store(board.seq, slot, seq);
        Atomics.add(board.counters, COUNTER_INDEX.accepted, 1n);
        return;
      }
      Atomics.add(board.counters, COUNTER_INDEX[r.reason], 1n);
      const more = reports.pass(r.reason, Date.now());
      if (more === undefined) return;
      port.postMessage({ type: 'refused', reason: r.reason, detail: r.detail, from: `${rinfo.address}:${rinfo.port}`, moreSinceLastLine: more } satisfies FromReceiver);
    });
    // The socket's errors (none expected once bound) are the main thread's to log.
    socket.on('error', (err) => port.postMessage({ type: 'error', message: err.message } satisfies FromReceiver));
    // How current the board is: a receiver that stood still (starved of CPU, say) has not
    // read what came meanwhile, and the detector must not judge hosts on it.
    board.tick[0] = Date.now();
    setInterval(() => (board.tick[0] = Date.now()), TICK_MS);
    port.postMessage({ type: 'listening', port: socket.address().port, recvBufferSize: socket.getRecvBufferSize() } satisfies FromReceiver);
  },
  (err: Error) => port.postMessage({ type: 'error', message: err.message } satisfies FromReceiver),
);
