import { randomUUID } from 'node:crypto';
import { VigilError, type CoordinatorMessageIn, type ProbeKind, type ValidProbeResult, type ValidRequestResult } from '@vigil/shared';

/** The operator actions an agent with the `service_actions` capability serves. */
export type ServiceActionKind = 'restart' | 'reset_budget';

/** What the coordinator can ask an agent; the agent decides whether it may. */
export type ProbeAsk = { kind: ProbeKind; target: string; port?: number; url?: string; timeoutMs?: number };

interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  hostId: string;
}

/**
 * What became of an agent's answer: it settled the request it answers, it answers nothing
 * pending (late, after the timeout), or it names a request that was sent to another host.
 */
export type AnswerOutcome = 'settled' | 'unknown' | 'other_host';

/** The host's agent has no live stream (or lost it before answering). */
export class AgentUnavailableError extends VigilError {
  constructor(hostId: string) {
    super('CONFLICT', `agent of "${hostId}" is not connected`);
    this.name = 'AgentUnavailableError';
  }
}

/** The host's agent did not answer a request in time. */
export class AgentTimeoutError extends VigilError {
  constructor(hostId: string, withinMs: number) {
    super('UNAVAILABLE', `agent of "${hostId}" did not answer within ${withinMs} ms`);
    this.name = 'AgentTimeoutError';
  }
}

/**
 * Requests to agents over their live streams, matched to answers by request id and by the
 * host that answers: only the host asked can settle a request, so an agent that learns
 * or guesses another host's request id cannot forge its probe or recovery result. A
 * request whose agent disconnects or does not answer in time is rejected, never left
 * hanging.
 */
export class AgentChannels {
  private readonly writers = new Map<string, (m: CoordinatorMessageIn) => boolean>();
  private readonly probes = new Map<string, Pending<ValidProbeResult>>();
  private readonly requests = new Map<string, Pending<ValidRequestResult>>();

  attach(hostId: string, write: (m: CoordinatorMessageIn) => boolean): void {
    this.writers.set(hostId, write);
  }

  detach(hostId: string, write: (m: CoordinatorMessageIn) => boolean): void {
    if (this.writers.get(hostId) !== write) return;
    this.writers.delete(hostId);
    for (const table of [this.probes, this.requests] as Map<string, Pending<unknown>>[]) {
      for (const [id, p] of table) {
        if (p.hostId !== hostId) continue;
        table.delete(id);
        clearTimeout(p.timer);
        p.reject(new AgentUnavailableError(hostId));
      }
    }
  }

  isAttached(hostId: string): boolean {
    return this.writers.has(hostId);
  }

  probe(viaHost: string, ask: ProbeAsk, answerWithinMs: number): Promise<ValidProbeResult> {
    const requestId = randomUUID();
    return this.send(this.probes, viaHost, requestId, answerWithinMs, {
      probe: { requestId, kind: ask.kind, target: ask.target, port: ask.port ?? 0, url: ask.url ?? '', timeoutMs: ask.timeoutMs ?? 0 },
    });
  }

  recover(hostId: string, service: string, reason: string, answerWithinMs = 5000): Promise<ValidRequestResult> {
    const requestId = randomUUID();
    return this.send(this.requests, hostId, requestId, answerWithinMs, { recover: { requestId, service, reason } });
  }

  /**
   * Forwards an operator's action on a declared service. The request id is made here and
   * returned with the agent's answer, so the API can hand it back and the agent journals
   * what it does under it.
   */
  async serviceAction(
    hostId: string,
    action: { service: string; action: ServiceActionKind; requestedBy: string; reason: string },
    answerWithinMs = 5000,
  ): Promise<{ requestId: string; result: ValidRequestResult }> {
    const requestId = randomUUID();
    const result = await this.send(this.requests, hostId, requestId, answerWithinMs, { serviceAction: { requestId, ...action } });
    return { requestId, result };
  }

  /** `fromHost` is the host of the stream the answer came on. */
  probeAnswered(fromHost: string, r: ValidProbeResult): AnswerOutcome {
    return settle(this.probes, fromHost, r.requestId, r);
  }

  /** `fromHost` is the host of the stream the answer came on. */
  requestAnswered(fromHost: string, r: ValidRequestResult): AnswerOutcome {
    return settle(this.requests, fromHost, r.requestId, r);
  }

  private send<T>(table: Map<string, Pending<T>>, hostId: string, requestId: string, withinMs: number, msg: CoordinatorMessageIn): Promise<T> {
    const write = this.writers.get(hostId);
    if (!write) return Promise.reject(new AgentUnavailableError(hostId));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        table.delete(requestId);
        reject(new AgentTimeoutError(hostId, withinMs));
      }, withinMs);
      table.set(requestId, { resolve, reject, timer, hostId });
      write(msg);
    });
  }
}

function settle<T>(table: Map<string, Pending<T>>, fromHost: string, id: string, value: T): AnswerOutcome {
  const p = table.get(id);
  if (!p) return 'unknown';
  // Left pending: the host asked may still answer, or the request times out as usual.
  if (p.hostId !== fromHost) return 'other_host';
  table.delete(id);
  clearTimeout(p.timer);
  p.resolve(value);
  return 'settled';
}
