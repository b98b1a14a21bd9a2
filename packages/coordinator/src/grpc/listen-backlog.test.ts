import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStreamFixture, type StreamFixture } from '../test-support/stream-fixture.js';
import { ACCEPT_DESCRIPTORS } from './server.js';

let fx: StreamFixture;
beforeAll(async () => {
  fx = await startStreamFixture('backlog');
});
afterAll(async () => {
  await fx?.close();
});

it("the agents' listener has a deep accept queue: 4096, or the kernel's somaxconn when lower (Node's default is 511)", () => {
  const port = fx.coord.grpcPort;
  // For a listening socket, ss's Send-Q column is the backlog the kernel applies.
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n');
  expect(out, `ss for port ${port}`).toHaveLength(1);
  const backlog = Number(out[0]!.trim().split(/\s+/)[2]);
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  expect(backlog).toBe(Math.min(4096, somaxconn));
  expect(backlog).toBeGreaterThan(511);
});

it('the listening socket is watched through ACCEPT_DESCRIPTORS descriptors, so a busy loop turn accepts more than one connection', () => {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${fx.coord.grpcPort}`], { encoding: 'utf8' }).trim();
  expect(ACCEPT_DESCRIPTORS).toBeGreaterThan(1);
  expect(out.match(/fd=\d+/g) ?? [], out).toHaveLength(ACCEPT_DESCRIPTORS);
});
