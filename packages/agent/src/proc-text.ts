import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Reads a kernel-generated text file (/proc, /sys) synchronously into one reused buffer.
 *
 * Why not `fs.promises.readFile`: procfs files are produced by the kernel on read and never
 * wait on a disk, so the read takes microseconds, while the promise version costs four
 * thread-pool round trips (open, fstat, read, close), a FileHandle and a fresh buffer per
 * file. The agent reads a few dozen of these every interval; done the async way they were
 * most of its idle CPU and garbage. Never use this for files on real filesystems (logs,
 * config): those can block on I/O.
 */
const MAX_BYTES = 16 * 1024 * 1024;
let buf = Buffer.allocUnsafe(64 * 1024);

export function readProcText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (buf.length >= MAX_BYTES) throw new Error(`${path}: larger than ${MAX_BYTES} bytes`);
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      // procfs returns short reads at record boundaries: read until 0 (end of file).
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return buf.toString('utf8', 0, len);
  } finally {
    closeSync(fd);
  }
}

/** Like `readProcText`, but a file that is gone (the process exited) or not ours to read is `undefined`. */
export function readProcTextIfPresent(path: string): string | undefined {
  try {
    return readProcText(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM') return undefined;
    throw err;
  }
}
