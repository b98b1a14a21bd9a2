import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';

/**
 * The file operations the event journal needs, behind a small interface so a full disk
 * (ENOSPC on any write) can be staged in tests without filling one.
 */
export interface JournalFs {
  mkdir(dir: string): void;
  exists(path: string): boolean;
  read(path: string): string;
  /** Size in bytes, 0 if the file does not exist. */
  size(path: string): number;
  append(path: string, data: string): void;
  write(path: string, data: string): void;
  rename(from: string, to: string): void;
  truncate(path: string, bytes: number): void;
}

export const nodeJournalFs: JournalFs = {
  // 0700: the journal is for the agent's user only.
  mkdir: (dir) => void mkdirSync(dir, { recursive: true, mode: 0o700 }),
  exists: (path) => existsSync(path),
  read: (path) => readFileSync(path, 'utf8'),
  size: (path) => (existsSync(path) ? statSync(path).size : 0),
  append: (path, data) => appendFileSync(path, data, { mode: 0o600 }),
  write: (path, data) => writeFileSync(path, data, { mode: 0o600 }),
  rename: (from, to) => renameSync(from, to),
  truncate: (path, bytes) => truncateSync(path, bytes),
};
