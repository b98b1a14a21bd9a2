import type { Api } from './api.js';
import { retryingLoad } from './retry-load.js';
import { openEventStream, type SseFrame } from './sse.js';
import type { HostState, HostSummary } from './types.js';

/** One event from /v1/events as the contract defines its data. */
export interface LiveEvent {
  seq: number;
  subject: string;
  at: number;
  payload: unknown;
}

export type LiveMode = 'connecting' | 'live' | 'polling' | 'reconnecting' | 'signed-out';

export interface LiveListener {
  /** A full host list: on start, after a gap, and on every poll when there is no stream. */
  hosts?(hosts: HostSummary[]): void;
  /** One host changed state (from the stream). */
  hostState?(id: string, state: HostState, at: string): void;
  hostRemoved?(id: string): void;
  /** Anything about incidents, escalations, actions or predictions. */
  incident?(e: LiveEvent): void;
  mode?(mode: LiveMode, detail: string): void;
}

const STATES = new Set<string>(['online', 'suspect', 'silent', 'left']);

/** Reads `host` events' subject and payload: `vigil.v1.host.<state>.<token>`, payload data names the host. */
export function hostEventOf(e: LiveEvent): { id: string; state: HostState | 'removed' } | null {
  const parts = e.subject.split('.');
  const word = parts[3] ?? '';
  const p = e.payload as { data?: { hostId?: unknown; state?: unknown }; hostId?: unknown } | null;
  const id = p?.data?.hostId ?? p?.hostId;
  if (typeof id !== 'string') return null;
  if (word === 'removed') return { id, state: 'removed' };
  const state = typeof p?.data?.state === 'string' && STATES.has(p.data.state) ? p.data.state : word;
  return STATES.has(state) ? { id, state: state as HostState } : null;
}

/**
 * Keeps the page current without reloads: the coordinator's event stream when it has one
 * (GET /v1/events, read with fetch so the token stays in a header), otherwise polling the
 * host list every `pollMs`. A reset (the stream lost events) or a host the page never saw
 * triggers one full refetch.
 */
export class Live {
  private readonly listeners = new Set<LiveListener>();
  private stream: { close(): void } | null = null;
  private poll: ReturnType<typeof setInterval> | null = null;
  private refetching: Promise<void> | null = null;
  private refetchAgain = false;
  modeNow: LiveMode = 'connecting';
  private opened = false;
  lastHosts: HostSummary[] | null = null;

  constructor(
    private readonly api: Api,
    private readonly token: () => string | null,
    private readonly pollMs = 1000,
  ) {}

  subscribe(l: LiveListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  start(): void {
    const token = this.token();
    if (!token) return this.setMode('signed-out', 'no token');
    // The list is fetched once the stream is open: events from then on are sent, so none
    // falls between the list and the stream (and 10,000 hosts are not fetched twice).
    this.stream = openEventStream({
      url: '/v1/events',
      token,
      onFrame: (f) => this.frame(f),
      onStatus: (s) => {
        switch (s.kind) {
          case 'open':
            // Reconnects resume with Last-Event-ID instead.
            if (!this.opened) void this.refetch();
            this.opened = true;
            this.setMode('live', 'event stream');
            return;
          case 'retrying':
            // Show the fleet meanwhile; the list after the stream opens catches up.
            if (!this.lastHosts) void this.refetch();
            this.setMode('reconnecting', s.reason);
            return;
          case 'unauthorized':
            this.setMode('signed-out', 'the token was refused');
            return;
          case 'unsupported':
            this.startPolling();
            return;
        }
      },
    });
  }

  stop(): void {
    this.hostList.stop();
    this.stream?.close();
    this.stream = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  private readonly hostList = retryingLoad(async () => {
    const hosts = await this.api.hosts();
    // Marks for the browser benchmark (bench/console/perf.mjs); cheap, and visible in devtools.
    performance.mark('vigil:hosts-received', { detail: hosts.length });
    this.lastHosts = hosts;
    for (const l of this.listeners) l.hosts?.(hosts);
  });

  /** Fetches the whole host list; concurrent calls share one request and one follow-up. */
  refetch(): Promise<void> {
    if (this.refetching) {
      this.refetchAgain = true;
      return this.refetching;
    }
    this.refetching = (async () => {
      try {
        // A lost list is asked for again (1 s, 2 s … apart): on the event stream no poll
        // would, and the page would keep an empty or old fleet until some event. The page
        // keeps what it shows meanwhile.
        await this.hostList.run();
      } finally {
        this.refetching = null;
        if (this.refetchAgain) {
          this.refetchAgain = false;
          void this.refetch();
        }
      }
    })();
    return this.refetching;
  }

  private startPolling(): void {
    this.setMode('polling', `every ${this.pollMs} ms (this coordinator has no event stream)`);
    if (this.poll) return;
    void this.refetch();
    this.poll = setInterval(() => {
      void this.refetch();
      for (const l of this.listeners) l.incident?.({ seq: 0, subject: 'poll', at: Date.now(), payload: null });
    }, this.pollMs);
  }

  private setMode(mode: LiveMode, detail: string): void {
    this.modeNow = mode;
    for (const l of this.listeners) l.mode?.(mode, detail);
  }

  private frame(f: SseFrame): void {
    if (f.event === 'reset') {
      void this.refetch();
      return;
    }
    let e: LiveEvent;
    try {
      e = JSON.parse(f.data) as LiveEvent;
    } catch {
      return;
    }
    if (f.event === 'host' || e.subject.startsWith('vigil.v1.host.')) {
      const he = hostEventOf(e);
      if (!he) return;
      for (const l of this.listeners) {
        if (he.state === 'removed') l.hostRemoved?.(he.id);
        else l.hostState?.(he.id, he.state, new Date(e.at).toISOString());
      }
      return;
    }
    for (const l of this.listeners) l.incident?.(e);
  }
}
