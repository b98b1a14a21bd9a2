import type { ValidProbeResult } from '@vigil/shared';
import type { ProbeAsk } from '../grpc/agent-channels.js';

/** Somewhere a host can be checked from: the coordinator itself or a peer agent. */
export interface Vantage {
  /** `coordinator` or the peer's host id. */
  readonly id: string;
  readonly kind: 'coordinator' | 'peer';
  probe(ask: ProbeAsk): Promise<ValidProbeResult>;
}

/** The coordinator's own prober: the same probe kinds the agents run, from here. */
export interface LocalProber {
  probe(ask: ProbeAsk): Promise<ValidProbeResult>;
}
