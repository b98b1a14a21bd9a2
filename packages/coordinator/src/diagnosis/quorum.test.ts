import { describe, expect, it } from 'vitest';
import type { ValidProbeResult } from '@vigil/shared';
import { peerAddress } from '../grpc/agent-session.js';
import { quorum, type VantageReport } from './quorum.js';

const probe = (ok: boolean, refused = ''): ValidProbeResult => ({
  requestId: 'r', kind: 'ping', target: 't', ok, durationMs: 1, error: '', transmitted: 4, received: ok ? 4 : 0, lossPercent: ok ? 0 : 100, rttAvgMs: 0, banner: '', addresses: [], statusCode: 0, refused,
});
const rep = (vantage: string, ok: boolean | null, healthy = true): VantageReport => ({
  vantage, kind: vantage === 'coordinator' ? 'coordinator' : 'peer', healthy, ...(ok === null ? {} : { ping: probe(ok) }),
});

describe('quorum - healthy vantages decide by majority', () => {
  it('all fail → not ok', () => {
    expect(quorum([rep('coordinator', false), rep('p1', false), rep('p2', false)], (r) => r.ping)).toMatchObject({ ok: false, votesFail: 3 });
  });
  it('unhealthy vantages and refused probes do not vote', () => {
    const v = quorum([rep('coordinator', true), rep('p1', false, false), { ...rep('p2', false), ping: probe(false, 'rate_limited') }], (r) => r.ping);
    expect(v).toMatchObject({ ok: true, votesOk: 1, votesFail: 0 });
  });
  it('only the coordinator failing while peers reach the host is a coordinator-link problem, not an outage', () => {
    const v = quorum([rep('coordinator', false), rep('p1', true), rep('p2', true)], (r) => r.ping);
    expect(v).toMatchObject({ ok: true, coordinatorLinkSuspect: true });
    const tie = quorum([rep('coordinator', false), rep('p1', true)], (r) => r.ping);
    expect(tie).toMatchObject({ ok: true, coordinatorLinkSuspect: true });
  });
  it('nobody judged → unknown', () => {
    expect(quorum([rep('coordinator', null), rep('p1', true, false)], (r) => r.ping).ok).toBeNull();
  });
  it('a peer alone failing is outvoted', () => {
    expect(quorum([rep('coordinator', true), rep('p1', false), rep('p2', true)], (r) => r.ping)).toMatchObject({ ok: true, coordinatorLinkSuspect: false });
  });
});

describe('peer address - parsing grpc peers', () => {
  it('strips the port and the scheme', () => {
    expect(peerAddress('127.0.0.1:5000')).toBe('127.0.0.1');
    expect(peerAddress('ipv4:10.77.0.2:41234')).toBe('10.77.0.2');
    expect(peerAddress('[::1]:5000')).toBe('::1');
    expect(peerAddress('[::ffff:127.0.0.1]:5000')).toBe('127.0.0.1');
    expect(peerAddress('unix:/tmp/s')).toBeNull();
  });
});
