import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { pidAlive } from './pid-alive.js';

/*
 * A port handed out to a test must stay free until the program under test binds it, which
 * may be seconds later (an agent starts, then starts its service). A port that listen(0)
 * chose lies in the kernel's ephemeral range, so any other process's listen(0) or
 * outgoing connection may be given it meanwhile: a service then fails with "address
 * already in use" while a stranger answers its checks. So ports are chosen below that
 * range, where the kernel never hands out a port by itself, and each is claimed with a
 * file named after it, so that test processes running side by side never choose the same
 * one. A claim lasts as long as its process; a dead process's claim is taken over.
 */

/** Lowest port chosen: above the well-known ports and the usual fixed-port services. */
const LOWEST = 15_000;
/** Fewer candidates than this below the ephemeral range: fall back to listen(0). */
const MIN_CANDIDATES = 2_000;
const CLAIMS_DIR = join(tmpdir(), 'vigil-test-ports');
const ATTEMPTS = 200;

const claimed = new Set<number>();
/** Who holds a claim: the pid decides whether it is alive; the thread tells apart workers of one process. */
const OWNER = `${process.pid} ${threadId}`;
let exitHookSet = false;

/** The kernel's ephemeral range, from /proc/sys/net/ipv4/ip_local_port_range; Linux's default where unreadable. */
export function ephemeralRange(text?: string): { low: number; high: number } {
  let raw = text;
  if (raw === undefined) {
    try {
      raw = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    } catch {
      raw = '';
    }
  }
  const [low, high] = raw.trim().split(/\s+/).map(Number);
  return low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) && low > 0 && high >= low ? { low, high } : { low: 32768, high: 60999 };
}

/** Claims `port` for this process; false if a live process holds the claim. */
function claim(port: number): boolean {
  const file = join(CLAIMS_DIR, String(port));
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(file, OWNER, { flag: 'wx' });
      claimed.add(port);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSafe(file).split(' ')[0]);
    // Another thread of this process, or a live process: theirs.
    if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) return false;
    try {
      unlinkSync(file); // a dead process's claim, or a half-written one
    } catch {
      // someone else took it over first: try once more
    }
  }
  return false;
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function releaseAll(): void {
  for (const port of claimed) {
    try {
      unlinkSync(join(CLAIMS_DIR, String(port)));
    } catch {
      // already gone
    }
  }
  claimed.clear();
}

/** Binds `port` on `host` and closes at once: true if nothing listens there now. */
function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel chose (listen(0)): free a moment ago, but in the ephemeral range. */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected listener address ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/**
 * A TCP port free on 127.0.0.1 and ::, below the ephemeral range and claimed for this
 * process (see above), so it stays free until the caller binds it. Still prefer letting
 * the program under test bind port 0 itself and report its port where it can.
 * `candidate` replaces the random choice (tests of this function).
 */
export async function freePort(candidate?: () => number): Promise<number> {
  const { low } = ephemeralRange();
  const high = low - 1;
  if (high - LOWEST < MIN_CANDIDATES) return kernelPort();
  const next = candidate ?? (() => LOWEST + Math.floor(Math.random() * (high - LOWEST + 1)));
  mkdirSync(CLAIMS_DIR, { recursive: true, mode: 0o1777 });
  if (!exitHookSet) {
    exitHookSet = true;
    process.once('exit', releaseAll);
  }
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = next();
    if (claimed.has(port) || !claim(port)) continue;
    if ((await bindable(port, '127.0.0.1')) && (await bindable(port, '::'))) return port;
    // Taken by something outside the claims (a service of this machine): keep the claim so
    // this process does not try it again, and choose another.
  }
  return kernelPort();
}
