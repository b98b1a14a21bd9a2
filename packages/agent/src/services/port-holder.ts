import { readdirSync, readlinkSync } from 'node:fs';
import { readProcTextIfPresent } from '../proc-text.js';
import { PROC_ROOT } from './procfs-read.js';

/*
 * Who holds a TCP port: the fix for "Address already in use" starts there. Pure parsers
 * (tested on captured /proc/net/tcp text) apart from the thin readers below.
 */

export interface TcpSocketRow {
  localPort: number;
  /** The kernel's state code; 0x0A is LISTEN. */
  state: number;
  inode: number;
}

/** Parses /proc/net/tcp or /proc/net/tcp6 (proc(5)); the header and malformed lines are skipped. */
export function parseProcNetTcp(text: string): TcpSocketRow[] {
  const rows: TcpSocketRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const port = Number.parseInt(f[1]!.split(':')[1] ?? '', 16);
    const state = Number.parseInt(f[3]!, 16);
    const inode = Number(f[9]);
    if (Number.isFinite(port) && Number.isFinite(state) && Number.isInteger(inode)) rows.push({ localPort: port, state, inode });
  }
  return rows;
}

export const TCP_LISTEN = 0x0a;

/**
 * The port named in an "address in use" line, when it names one: Node's
 * `listen EADDRINUSE: address already in use :::8080`, `127.0.0.1:8080`, Go's
 * `listen tcp :8080: bind: address already in use`.
 */
export function portOfAddressInUse(line: string): number | undefined {
  if (!/EADDRINUSE|address already in use/i.test(line)) return undefined;
  const m = /(?:address already in use|EADDRINUSE)\D*?(?:[\w.[\]]*:)+(\d{1,5})\b/i.exec(line) ?? /(?:\]|\b[\w.-]*|\s|^):(\d{1,5})\b[^\n]*address already in use/i.exec(line);
  const port = m ? Number(m[1]) : NaN;
  return port > 0 && port < 65536 ? port : undefined;
}

export interface PortHolder {
  pid: number;
  /** The command line, or the short name when it cannot be read. */
  command: string;
}

/** The processes with a listening TCP socket (IPv4 or IPv6) on `port`. */
export function findPortHolders(port: number, procRoot = PROC_ROOT): PortHolder[] {
  const inodes = new Set<number>();
  for (const f of ['tcp', 'tcp6']) {
    const text = readProcTextIfPresent(`${procRoot}/net/${f}`);
    if (text === undefined) continue;
    for (const r of parseProcNetTcp(text)) if (r.localPort === port && r.state === TCP_LISTEN && r.inode > 0) inodes.add(r.inode);
  }
  if (inodes.size === 0) return [];
  const holders: PortHolder[] = [];
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${e}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const holds = fds.some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${e}/fd/${fd}`));
        return m !== null && inodes.has(Number(m[1]));
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    const cmdline = (readProcTextIfPresent(`${procRoot}/${e}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
    const comm = (readProcTextIfPresent(`${procRoot}/${e}/comm`) ?? '').trim();
    holders.push({ pid: Number(e), command: cmdline || comm || '?' });
  }
  return holders.sort((a, b) => a.pid - b.pid);
}
