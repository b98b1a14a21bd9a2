import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../main.js';

/** A stand-in for the coordinator's API on 127.0.0.1: the handler answers every request. */
export async function standInApi(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Runs `vigil <args>` in-process against `url`, with no config file; what it printed and its exit code. */
export async function runCli(url: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: { write: (s: string) => out.push(s), isTTY: false }, stderr: { write: (s: string) => err.push(s) }, env: { HOME: '/nonexistent', VIGIL_URL: url } });
  return { code, out: out.join(''), err: err.join('') };
}
