import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_REDIAL, FakeClock, type Logger, type ValidHeartbeat, type ValidHello } from '@vigil/shared';
import { SilenceDetector } from '../detector/silence-detector.js';
import { AgentEventStore } from '../store/agent-event-store.js';
import { openDb, type Db } from '../store/db.js';
import { HostStore } from '../store/host-store.js';
import { CONNECT_ROUND_TRIPS, DisconnectGrace, GRACE_HEADROOM_MS } from './disconnect-grace.js';
import { HeartbeatWriter } from './heartbeat-writer.js';
import { HostRegistry } from './host-registry.js';
import type { Transition } from './types.js';

const log = { info: () => {}, debug: () => {}, error: () => {}, warn: () => {} } as unknown as Logger;
const hello = (hostId: string, attempt: number): ValidHello => ({ hostId, agentVersion: '1', hostname: hostId, os: null, services: [], capabilities: [], intervalMs: 1000, labels: {}, startedAtMs: 1, attempt });
const hb = (seq: number): ValidHeartbeat => ({ seq, sentAtMs: seq, resources: null, collectors: [], services: [], findings: [] });
const CEILING = 1000;
/** What an agent that connected in `connectMs` is given after a steady stream broke. */
const needs = (connectMs: number) => AGENT_REDIAL.firstRetryMs + CONNECT_ROUND_TRIPS * connectMs + GRACE_HEADROOM_MS;

describe('DisconnectGrace - how long a broken stream leaves its host suspect', () => {
  it('a steady stream of a host that connected fast: what its agent needs to come back, below the ceiling', () => {
    const g = new DisconnectGrace(CEILING);
    g.hello('web-1', 0);
    g.message('web-1', 5);
    const v = g.closed('web-1', 60_000, 4);
    expect(v.ms).toBe(needs(5));
    expect(v.ms).toBeLessThan(CEILING);
    expect(v.why).toBe(`its agent redials within ${AGENT_REDIAL.firstRetryMs} ms and its stream answered in 5 ms`);
  });

  it("a young stream: short only when it was the agent process's first dial (nothing grew its backoff)", () => {
    const g = new DisconnectGrace(CEILING);
    g.hello('first', 0);
    g.message('first', 3);
    g.hello('retried', 0);
    g.message('retried', 3);
    g.hello('unnumbered', 0);
    g.message('unnumbered', 3);
    expect(g.closed('first', 2_000, 1).ms).toBe(needs(3));
    expect(g.closed('retried', 2_000, 3).ms).toBe(CEILING);
    expect(g.closed('unnumbered', 2_000, 0).ms).toBe(CEILING);
  });

  it('the ceiling where no connect was measured, or where the agent needs more than it', () => {
    const g = new DisconnectGrace(CEILING);
    g.hello('silent-since-hello', 0);
    expect(g.closed('silent-since-hello', 60_000, 1)).toEqual({ ms: CEILING, kind: 'configured', why: 'the configured disconnect grace' });
    g.hello('far', 0);
    g.message('far', 200); // a WAN: 200 + 4 x 200 + 200 > 1000
    expect(g.closed('far', 60_000, 1).ms).toBe(CEILING);
  });

  it('a configured minimum: never shorter; equal to the ceiling, a fixed grace', () => {
    const floored = new DisconnectGrace(CEILING, 700);
    floored.hello('web-1', 0);
    floored.message('web-1', 5);
    expect(floored.closed('web-1', 60_000, 1)).toEqual({ ms: 700, kind: 'minimum', why: 'the configured minimum disconnect grace' });
    floored.hello('web-2', 0);
    floored.message('web-2', 120); // needs 200 + 480 + 200 = 880: above the minimum, so its own
    expect(floored.closed('web-2', 60_000, 1).ms).toBe(needs(120));
    const fixed = new DisconnectGrace(CEILING, CEILING);
    fixed.hello('web-1', 0);
    fixed.message('web-1', 5);
    expect(fixed.closed('web-1', 60_000, 1).ms).toBe(CEILING);
  });

  it('keeps the fastest connect: one slowed by a reconnect storm does not lengthen the grace', () => {
    const g = new DisconnectGrace(CEILING);
    g.hello('web-1', 0);
    g.message('web-1', 4);
    g.closed('web-1', 20_000, 1);
    g.hello('web-1', 20_100);
    g.message('web-1', 23_100); // 3 s: the coordinator was busy
    g.message('web-1', 23_101); // only the first message after Hello counts
    expect(g.closed('web-1', 60_000, 2).ms).toBe(needs(4));
    g.forget('web-1');
    g.hello('web-1', 70_000);
    expect(g.closed('web-1', 90_000, 1).ms).toBe(CEILING);
  });

  it("an Echo's round trip shortens the grace of a host whose connect a storm slowed; a slower one changes nothing", () => {
    const g = new DisconnectGrace(CEILING);
    g.hello('web-1', 0);
    g.message('web-1', 2_500); // connected while the coordinator was busy: 2.5 s
    expect(g.wantsRoundTrip('web-1')).toBe(true);
    g.roundTrip('web-1', 400); // still busy: still the ceiling
    expect(g.wantsRoundTrip('web-1')).toBe(true);
    g.roundTrip('web-1', 7);
    expect(g.wantsRoundTrip('web-1')).toBe(false);
    g.roundTrip('web-1', 900);
    expect(g.closed('web-1', 60_000, 1)).toEqual({ ms: needs(7), kind: 'agent', why: `its agent redials within ${AGENT_REDIAL.firstRetryMs} ms and its stream answered in 7 ms` });
  });

  it('counts the connected hosts by the grace a broken stream would get now', () => {
    const g = new DisconnectGrace(CEILING, 500);
    const attempts: Record<string, number> = { fast: 1, floored: 1, slow: 1, young: 4, gone: 1 };
    for (const [id, rtt] of [['fast', 40], ['floored', 5], ['slow', 900], ['young', 40], ['gone', 40]] as const) {
      g.hello(id, 0);
      g.message(id, rtt);
    }
    g.closed('gone', 2_000, 1);
    expect(g.countConnected(2_000, (id) => attempts[id]!)).toEqual({ agent: 1, minimum: 1, configured: 2 });
    // A young stream that became steady is judged by what its agent needs.
    expect(g.countConnected(60_000, (id) => attempts[id]!)).toEqual({ agent: 2, minimum: 1, configured: 1 });
  });

  it('wants a round trip only where one could shorten the grace: none measured, or one that gives the ceiling; never for a fixed grace', () => {
    const g = new DisconnectGrace(CEILING);
    g.hello('fresh', 0);
    expect(g.wantsRoundTrip('fresh')).toBe(true);
    // The longest round trip below the ceiling, and the shortest at it.
    const edge = (CEILING - AGENT_REDIAL.firstRetryMs - GRACE_HEADROOM_MS) / CONNECT_ROUND_TRIPS;
    g.roundTrip('fast-enough', edge - 1);
    expect(g.wantsRoundTrip('fast-enough')).toBe(false);
    g.roundTrip('too-slow', edge);
    expect(g.wantsRoundTrip('too-slow')).toBe(true);
    const fixed = new DisconnectGrace(CEILING, CEILING);
    fixed.hello('web-1', 0);
    expect(fixed.wantsRoundTrip('web-1')).toBe(false);
  });
});

describe('host registry - the disconnect grace of a broken stream', () => {
  let dir: string;
  let db: Db;
  let clock: FakeClock;
  let registry: HostRegistry;
  let detector: SilenceDetector;
  let transitions: Transition[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-disconnect-grace-'));
    db = openDb(dir);
    clock = new FakeClock();
    transitions = [];
    const store = new HostStore(db);
    detector = new SilenceDetector(clock, (v) => registry.onSilent(v), { sweepMs: 100, deferSweep: false });
    registry = new HostRegistry(clock, store, new HeartbeatWriter(db, store), detector, (t) => transitions.push(t),
      { disconnectGraceMs: CEILING, restartGraceMs: 15_000, detectionWindowMs: (i) => 2 * i }, log, new AgentEventStore(db));
    detector.start();
  });

  afterEach(() => {
    registry.stop();
    detector.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = () => registry.get('web-1')?.state;
  /** A stream that says Hello, beats after `connectMs`, then once a second for `upMs`. */
  function connect(session: number, attempt: number, connectMs: number, upMs: number): void {
    registry.hello(hello('web-1', attempt), 1000, session);
    clock.advance(connectMs);
    let seq = 1;
    registry.heartbeat('web-1', session, hb(seq++), () => {});
    for (let t = 0; t < upMs; t += 1000) {
      clock.advance(1000);
      registry.heartbeat('web-1', session, hb(seq++), () => {});
    }
  }

  it('a crashed agent whose steady stream closed is silent once its agent would have been back, and says why', () => {
    connect(1, 5, 6, 20_000);
    registry.streamClosed('web-1', 1, 'connection reset');
    expect(state()).toBe('suspect');
    clock.advance(needs(6) - 1);
    expect(state()).toBe('suspect');
    clock.advance(1);
    expect(state()).toBe('silent');
    expect(transitions.at(-1)?.reason).toBe(`no reconnect within ${needs(6)} ms of the stream closing (its agent redials within ${AGENT_REDIAL.firstRetryMs} ms and its stream answered in 6 ms)`);
  });

  it('an agent that redials within its grace keeps the host from silent', () => {
    connect(1, 5, 6, 20_000);
    registry.streamClosed('web-1', 1, 'connection reset');
    clock.advance(AGENT_REDIAL.firstRetryMs + CONNECT_ROUND_TRIPS * 6);
    connect(2, 6, 6, 5_000);
    expect(transitions.map((t) => t.to)).toEqual(['online', 'suspect', 'online']);
  });

  it('a young stream after earlier attempts waits the configured grace', () => {
    connect(1, 3, 6, 2_000);
    registry.streamClosed('web-1', 1, 'connection reset');
    clock.advance(CEILING - 1);
    expect(state()).toBe('suspect');
    clock.advance(1);
    expect(state()).toBe('silent');
    expect(transitions.at(-1)?.reason).toBe(`no reconnect within ${CEILING} ms of the stream closing (the configured disconnect grace)`);
  });

  it("a grace timer that fires late (the coordinator's thread stood still) gives the reconnect as long again before judging", () => {
    connect(1, 5, 6, 20_000);
    registry.streamClosed('web-1', 1, 'connection reset');
    // The timer runs 400 ms late, as after a 400 ms stall of this thread.
    clock.stall(needs(6) + 400);
    expect(state()).toBe('suspect');
    // The Hello that waited in a socket is read now.
    connect(2, 6, 6, 0);
    expect(transitions.map((t) => t.to)).toEqual(['online', 'suspect', 'online']);

    // Without a reconnect it is judged after as long again, and only once forgiven.
    connect(2, 6, 6, 20_000);
    registry.streamClosed('web-1', 2, 'connection reset');
    clock.stall(needs(6) + 400);
    expect(state()).toBe('suspect');
    clock.advance(399);
    expect(state()).toBe('suspect');
    clock.advance(1);
    expect(state()).toBe('silent');
  });
});
