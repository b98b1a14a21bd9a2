import { spawn } from 'node:child_process';
import { findBinary } from '@vigil/testkit/binaries';

/** Finds promtool: $PROMTOOL_BIN, /usr/bin/promtool (Debian's `prometheus`), then $PATH. */
export function promtoolBinary(): string {
  const found = findBinary('promtool', 'PROMTOOL_BIN', ['/usr/bin/promtool']);
  if (!found) throw new Error('promtool not found: install it (apt-get install -y prometheus) or set PROMTOOL_BIN');
  return found;
}

export interface PromtoolRun {
  status: number | null;
  /** stdout and stderr together, as promtool mixes its findings between them. */
  output: string;
}

/** Runs promtool to completion with `input` on its stdin. */
export function promtool(args: string[], opts: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<PromtoolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtoolBinary(), args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** What `promtool check metrics` says about an exposition: '' when it has nothing to say. */
export async function checkMetrics(text: string): Promise<string> {
  const r = await promtool(['check', 'metrics'], { input: text });
  return r.status === 0 && r.output.trim() === '' ? '' : `${r.output.trim()} (exit ${r.status})`;
}
