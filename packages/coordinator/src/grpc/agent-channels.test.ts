import { describe, expect, it } from 'vitest';
import type { CoordinatorMessageIn, ValidProbeResult, ValidRequestResult } from '@vigil/shared';
import { AgentChannels } from './agent-channels.js';

function probeAnswer(requestId: string, ok: boolean): ValidProbeResult {
  return { requestId, kind: 'ping', target: '10.0.0.9', ok, durationMs: 3, transmitted: 1, received: ok ? 1 : 0 } as ValidProbeResult;
}

function requestAnswer(requestId: string, accepted: boolean): ValidRequestResult {
  return { requestId, accepted, error: '', refusal: '', detail: '' } as ValidRequestResult;
}

/** Two attached hosts; what the coordinator sent to each is kept. */
function twoHosts(): { channels: AgentChannels; sent: Record<string, CoordinatorMessageIn[]> } {
  const channels = new AgentChannels();
  const sent: Record<string, CoordinatorMessageIn[]> = { asked: [], other: [] };
  for (const host of Object.keys(sent)) channels.attach(host, (m) => (sent[host]!.push(m), true));
  return { channels, sent };
}

describe('AgentChannels - answers come only from the host asked', () => {
  it('ignores a probe answer from another host and settles with the answer of the host asked', async () => {
    const { channels, sent } = twoHosts();
    const pending = channels.probe('asked', { kind: 'ping', target: '10.0.0.9' }, 2000);
    const requestId = sent.asked![0]!.probe!.requestId!;
    expect(channels.probeAnswered('other', probeAnswer(requestId, false))).toBe('other_host');
    expect(channels.probeAnswered('asked', probeAnswer(requestId, true))).toBe('settled');
    await expect(pending).resolves.toMatchObject({ ok: true, received: 1 });
    expect(channels.probeAnswered('asked', probeAnswer(requestId, true))).toBe('unknown');
  });

  it('ignores a recover or service-action answer from another host', async () => {
    const { channels, sent } = twoHosts();
    const recovered = channels.recover('asked', 'nginx', 'down', 2000);
    const acted = channels.serviceAction('asked', { service: 'nginx', action: 'restart', requestedBy: 'op', reason: 'test' }, 2000);
    const recoverId = sent.asked![0]!.recover!.requestId!;
    const actionId = sent.asked![1]!.serviceAction!.requestId!;
    expect(channels.requestAnswered('other', requestAnswer(recoverId, false))).toBe('other_host');
    expect(channels.requestAnswered('other', requestAnswer(actionId, false))).toBe('other_host');
    expect(channels.requestAnswered('asked', requestAnswer(recoverId, true))).toBe('settled');
    expect(channels.requestAnswered('asked', requestAnswer(actionId, true))).toBe('settled');
    await expect(recovered).resolves.toMatchObject({ accepted: true });
    await expect(acted).resolves.toMatchObject({ requestId: actionId, result: { accepted: true } });
  });

  it('a request answered only by another host still times out', async () => {
    const { channels, sent } = twoHosts();
    const pending = channels.probe('asked', { kind: 'ping', target: '10.0.0.9' }, 50);
    channels.probeAnswered('other', probeAnswer(sent.asked![0]!.probe!.requestId!, true));
    await expect(pending).rejects.toThrow(/did not answer within 50 ms/);
  });
});
