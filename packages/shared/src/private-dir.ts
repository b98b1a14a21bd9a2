import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';

/** Told when a directory or file that already existed was open to others and was tightened. */
export type OnTightened = (path: string, from: number, to: number) => void;

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** `dir 0755 -> 0700`, for the log line that says a mode was tightened. */
export function describeTightening(path: string, from: number, to: number): string {
  return `${path} was open to other users (mode ${octal(from)}); tightened to ${octal(to)}`;
}

/**
 * Makes sure `path` (if it exists) has no group or other permissions: sets `mode` and
 * reports the old mode when it had any. Returns whether it changed anything.
 */
export function tightenMode(path: string, mode: number, onTightened?: OnTightened): boolean {
  if (!existsSync(path)) return false;
  const before = statSync(path).mode & 0o777;
  if ((before & 0o077) === 0) return false;
  chmodSync(path, mode);
  onTightened?.(path, before, mode);
  return true;
}

/**
 * Creates a data directory readable only by its owner (0700): it holds incidents,
 * inventory and state that other local users have no business reading. An existing one
 * open to others is tightened to 0700 and reported.
 */
export function ensurePrivateDir(dir: string, onTightened?: OnTightened): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A new directory is 0700 already (umask only removes bits); only an existing one can be loose.
  tightenMode(dir, 0o700, onTightened);
}
