import { isIP } from 'node:net';

/** RFC 1123 label; '_' is allowed because real zones contain it (service names). */
const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);
/** A last label of digits or hex: `inet_aton` would read such a "name" as an address. */
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/i;

/**
 * Why `target` is not an IP literal or host name, or null when it is one. The target ends
 * up in ping's argv and in resolver calls, so anything that could read as an option
 * (leading '-') or carry shell syntax is refused here, even though nothing runs a shell.
 */
export function targetProblem(target: string): string | null {
  if (target.length === 0) return 'must not be empty';
  if (target.length > 253) return 'must be at most 253 characters';
  if (target.startsWith('-')) return "must not start with '-'";
  if (isIP(target) !== 0) return null;
  if (!HOSTNAME.test(target)) return 'must be an IP address or a host name (letters, digits, "-", "_", ".")';
  const labels = target.replace(/\.$/, '').split('.');
  if (NUMERIC_LABEL.test(labels[labels.length - 1]!)) {
    // "127.1" or "0x7f000001" would reach an address nobody wrote down; ask for the real one.
    return 'looks like an IP address but is not a complete one';
  }
  return null;
}

/**
 * Names that can never resolve (RFC 6761 section 6.4: `invalid.` and below). Answering
 * them here keeps a doomed lookup from reaching a resolver at all.
 */
export function isNeverResolvable(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'invalid' || n.endsWith('.invalid');
}

/** `host` as it goes in a URL authority: IPv6 literals need brackets. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}
