import { isIP } from 'node:net';
import { quoteText } from './quote.js';

/** Splits `host:port`, `[v6]:port`; the port must be 0-65535. */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new Error(`${quoteText(text)} is not HOST:PORT`);
  const host = (m[1] ?? m[2])!;
  // No name or address is longer than 253 characters or holds spaces or control characters.
  if (host.length > 253 || /[\s\x00-\x1f\x7f]/.test(host)) throw new Error(`${quoteText(text)} does not start with a host name or address`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`${quoteText(text)} has port ${port} above 65535`);
  return { host, port };
}

export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for names and addresses that never leave this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (h.startsWith('::ffff:127.')) return true;
  return false;
}
