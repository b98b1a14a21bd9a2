import { describe, expect, it } from 'vitest';
import type { ValidProbeResult } from '@vigil/shared';
import type { VantageReport } from '../diagnosis/quorum.js';
import { judgePartition, peerEvidence, type PartitionInput, type PeerEvidence } from './partition-verdict.js';

const ping = (ok: boolean): ValidProbeResult => ({ requestId: 'x', kind: 'ping', target: 't', ok, durationMs: 1, error: ok ? '' : 'down', transmitted: 4, received: ok ? 4 : 0, lossPercent: ok ? 0 : 100, rttAvgMs: 0, banner: '', addresses: [], statusCode: 0, refused: '' });
const coordinator = (ok: boolean): VantageReport => ({ vantage: 'coordinator', kind: 'coordinator', healthy: true, ping: ping(ok) });
const peer = (ok: boolean | 'no answer'): VantageReport => (ok === 'no answer' ? { vantage: 'p', kind: 'peer', healthy: false, error: 'timed out' } : { vantage: 'p', kind: 'peer', healthy: true, ping: ping(ok) });

describe('partition verdict - what peers saw of a silent host', () => {
  it('peers reach it, the coordinator does not → coordinator_alone', () => {
    expect(peerEvidence({ vantages: [coordinator(false), peer(true), peer(false)] })).toBe('coordinator_alone');
  });
  it('no healthy peer reaches it → unreachable', () => {
    expect(peerEvidence({ vantages: [coordinator(false), peer(false), peer('no answer')] })).toBe('unreachable');
  });
  it('no peer voted, or everyone reached it → none', () => {
    expect(peerEvidence({ vantages: [coordinator(false)] })).toBe('none');
    expect(peerEvidence({ vantages: [coordinator(false), peer('no answer')] })).toBe('none');
    expect(peerEvidence({ vantages: [coordinator(true), peer(true)] })).toBe('none');
  });
});

describe('partition verdict - is it them, or is it us?', () => {
  const base = (over: Partial<Omit<PartitionInput, 'evidence'>> & { evidence?: Record<string, PeerEvidence> } = {}): PartitionInput => ({
    silent: ['a1', 'a2', 'a3'],
    known: 5,
    connected: 2,
    peersAvailable: () => true,
    minHosts: 3,
    ratio: 0.3,
    ...over,
    evidence: new Map(Object.entries(over.evidence ?? {})),
  });

  it('too few silent hosts are never a partition', () => {
    expect(judgePartition(base({ silent: ['a1', 'a2'] })).kind).toBe('not_partition');
    expect(judgePartition(base({ known: 20, connected: 17 })).kind).toBe('not_partition');
  });

  it('a zone cut off (peers cannot reach the silent hosts either) is not a partition, though most hosts are silent', () => {
    expect(judgePartition(base({ evidence: { a1: 'unreachable' } })).kind).toBe('not_partition');
    expect(judgePartition(base({ connected: 0, peersAvailable: () => false, evidence: { a1: 'unreachable', a2: 'unreachable', a3: 'none' } })).kind).toBe('not_partition');
  });

  it('while healthy peers are still probing, the verdict waits for them', () => {
    expect(judgePartition(base()).kind).toBe('undecided');
    expect(judgePartition(base({ evidence: { a1: 'none' } })).kind).toBe('undecided');
  });

  it('peers reaching hosts the coordinator cannot is a partition, even with most hosts connected', () => {
    const v = judgePartition(base({ known: 10, connected: 7, evidence: { a1: 'coordinator_alone', a2: 'coordinator_alone' } }));
    expect(v.kind).toBe('partition');
    expect(v.why).toMatch(/peers reach 2 of the 3/);
    expect(judgePartition(base({ evidence: { a1: 'coordinator_alone', a2: 'unreachable', a3: 'unreachable' } })).kind).toBe('not_partition');
  });

  it('most hosts lost at once and no peer left to ask (or none answered): a partition', () => {
    expect(judgePartition(base({ silent: ['a1', 'a2', 'a3', 'b1', 'b2'], connected: 0, peersAvailable: () => false })).kind).toBe('partition');
    expect(judgePartition(base({ evidence: { a1: 'none', a2: 'none', a3: 'none' } })).kind).toBe('partition');
  });

  it('hosts still heartbeating at least as many as the silent ones: not a partition without peer evidence', () => {
    expect(judgePartition(base({ known: 10, connected: 6, silent: ['a', 'b', 'c', 'd'], peersAvailable: () => false })).kind).toBe('not_partition');
  });
});
