import { spawnProgram, type ExitInfo } from './processes.js';

/** Runs a binary to completion and returns its exit and output. */
export async function runToExit(name: string, script: string, args: string[], timeoutMs = 10_000): Promise<ExitInfo & { stderr: string; stdout: string; ms: number }> {
  const started = performance.now();
  const child = spawnProgram(name, script, args);
  const exit = await child.waitExit(timeoutMs).catch(async (err: unknown) => {
    await child.kill();
    throw err;
  });
  return { ...exit, stderr: child.stderr.text(), stdout: child.stdout.text(), ms: performance.now() - started };
}
