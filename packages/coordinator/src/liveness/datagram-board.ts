import { LIVENESS_DATAGRAM } from '@vigil/shared/liveness-datagram';

/**
 * What the datagram receiver thread and the main thread share, in shared memory.
 *
 * The receiver writes, per slot, the last sequence number taken, when (Date.now() on the
 * receiver thread) and the stall it reported, and counters of datagrams taken and refused;
 * the main thread reads them before each detector sweep. Nothing is sent per datagram
 * between threads, so a main thread busy for seconds loses no arrival and keeps its true
 * time.
 *
 * The main thread writes, per slot, the stream's key and the generation of its opening
 * (0: closed). Opening a slot is a stream's Hello: in a reconnect storm thousands a second,
 * and a message to the receiver thread for each cost the main thread a lock and a wake-up
 * of the other thread every time, slowest when that thread was itself waiting for a core.
 */
export const BOARD_COUNTERS = ['accepted', 'size', 'magic', 'version', 'slot', 'mac', 'replay'] as const;
export type BoardCounter = (typeof BOARD_COUNTERS)[number];

export interface Board {
  readonly slots: number;
  readonly buffer: SharedArrayBuffer;
  /** When the slot's last datagram was taken (ms since the epoch). Written before `seq`. */
  readonly at: Float64Array;
  /** The last seq taken for the slot (0: none since it was opened). */
  readonly seq: Uint32Array;
  readonly stall: Uint32Array;
  /** The generation of the slot's opening, written after its key; 0 while closed. */
  readonly gen: Int32Array;
  /** KEY_BYTES per slot: the key of the stream that holds it. */
  readonly keys: Uint8Array;
  readonly counters: BigInt64Array;
  /** The receiver's own clock, written every TICK_MS: how current the board is. */
  readonly tick: Float64Array;
}

/** How often the receiver marks the board as current. */
export const TICK_MS = 50;

/** A datagram key's length. */
export const KEY_BYTES = LIVENESS_DATAGRAM.keyBytes;

export function boardBytes(slots: number): number {
  return 8 + slots * 8 + BOARD_COUNTERS.length * 8 + slots * 4 * 3 + slots * KEY_BYTES;
}

/** Views of one buffer; both threads call this with the same buffer and slot count. */
export function viewBoard(buffer: SharedArrayBuffer, slots: number): Board {
  if (buffer.byteLength < boardBytes(slots)) throw new RangeError(`board of ${buffer.byteLength} bytes is too small for ${slots} slots`);
  let off = 0;
  const tick = new Float64Array(buffer, off, 1);
  off += 8;
  const at = new Float64Array(buffer, off, slots);
  off += slots * 8;
  const counters = new BigInt64Array(buffer, off, BOARD_COUNTERS.length);
  off += BOARD_COUNTERS.length * 8;
  const seq = new Uint32Array(buffer, off, slots);
  off += slots * 4;
  const stall = new Uint32Array(buffer, off, slots);
  off += slots * 4;
  const gen = new Int32Array(buffer, off, slots);
  off += slots * 4;
  const keys = new Uint8Array(buffer, off, slots * KEY_BYTES);
  return { slots, buffer, at, seq, stall, gen, keys, counters, tick };
}

export function newBoard(slots: number): Board {
  return viewBoard(new SharedArrayBuffer(boardBytes(slots)), slots);
}

/** Each counter's index on the board, looked up once: the receiver counts every datagram. */
export const COUNTER_INDEX = Object.fromEntries(BOARD_COUNTERS.map((name, i) => [name, i])) as Readonly<Record<BoardCounter, number>>;
