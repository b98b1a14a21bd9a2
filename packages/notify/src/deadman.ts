import { makeCloudEvent, type Clock, type CloudEvent, type Logger, type TimerHandle } from '@vigil/shared';
import type { IncidentData, NotifyEvent } from './event.js';

export interface DeadmanOptions {
  /** The receiver paged (routes are not consulted: this page is about Vigil itself). */
  receiver: string;
  /** Page when no coordinator heartbeat was heard this long. */
  coordinatorSilenceMs: number;
  /** Page when vigil-notify's own NATS connection has been down this long. */
  natsDownMs: number;
}

/** What one watch is doing; `paged` holds the incident id of the current episode. */
type WatchState = { kind: 'quiet' } | { kind: 'paged'; incidentId: string; since: number };

type WatchName = 'coordinators' | 'nats';

/**
 * The dead man's switch: pages `receiver` when no coordinator has been heard for
 * `coordinatorSilenceMs` (a dead or cut-off coordinator publishes no escalation either),
 * and when vigil-notify's own NATS connection has been down for `natsDownMs` (receivers are
 * reached directly, not through NATS). Each episode is its own incident id, so the next
 * episode pages again; the page is resolved when the heartbeat or the connection returns.
 */
export class DeadMansSwitch {
  private lastHeard: number;
  private natsDownSince: number | undefined;
  private readonly heardFrom = new Map<string, number>();
  private readonly state: Record<WatchName, WatchState> = { coordinators: { kind: 'quiet' }, nats: { kind: 'quiet' } };
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly opts: DeadmanOptions,
    private readonly clock: Clock,
    private readonly deliver: (e: NotifyEvent, receiver: string) => Promise<void>,
    private readonly log: Logger,
  ) {
    // A start with no coordinator at all counts: the silence runs from here; so does a
    // NATS that was never reached.
    this.lastHeard = clock.now();
    this.natsDownSince = clock.now();
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
  }

  heard(coordinatorId: string): void {
    const now = this.clock.now();
    this.lastHeard = now;
    this.heardFrom.set(coordinatorId, now);
    this.check();
  }

  natsConnected(up: boolean): void {
    const now = this.clock.now();
    if (up && this.natsDownSince !== undefined) {
      // No heartbeat could arrive while NATS was down: the coordinators' silence counts from now.
      this.natsDownSince = undefined;
      this.lastHeard = Math.max(this.lastHeard, now);
    } else if (!up) this.natsDownSince ??= now;
    this.check();
  }

  private schedule(): void {
    if (this.stopped) return;
    const step = Math.max(100, Math.min(this.opts.coordinatorSilenceMs, this.opts.natsDownMs) / 10);
    this.timer = this.clock.setTimeout(() => {
      this.check();
      this.schedule();
    }, step);
  }

  /** Moves each watch between quiet and paged; pages and resolutions go out in the background. */
  check(): void {
    const now = this.clock.now();
    // While NATS is down no heartbeat can arrive: the NATS watch speaks for that, not this one.
    const natsUp = this.natsDownSince === undefined;
    this.move('coordinators', natsUp && now - this.lastHeard >= this.opts.coordinatorSilenceMs, now, () => {
      const known = [...this.heardFrom].map(([id, at]) => `${id} (last heard ${new Date(at).toISOString()})`);
      return `no Vigil coordinator heard for ${Math.round((now - this.lastHeard) / 1000)} s: nothing is watching the fleet${known.length ? `; last: ${known.join(', ')}` : ''}`;
    });
    this.move('nats', !natsUp && now - this.natsDownSince! >= this.opts.natsDownMs, now, () => `vigil-notify has had no NATS connection for ${Math.round((now - this.natsDownSince!) / 1000)} s: no escalation can reach it`);
  }

  private move(watch: WatchName, bad: boolean, now: number, why: () => string): void {
    const s = this.state[watch];
    switch (s.kind) {
      case 'quiet': {
        if (!bad) return;
        const incidentId = `vigil-notify:${watch}:${new Date(now).toISOString()}`;
        this.state[watch] = { kind: 'paged', incidentId, since: now };
        const reason = why();
        this.log.error({ watch, incidentId }, `dead man's switch: ${reason}`);
        this.send('trigger', incidentId, reason, now);
        return;
      }
      case 'paged': {
        if (bad) return;
        this.state[watch] = { kind: 'quiet' };
        this.log.info({ watch, incidentId: s.incidentId }, "dead man's switch: back");
        this.send('resolve', s.incidentId, watch === 'nats' ? 'NATS connection back' : 'a coordinator is heard again', now);
        return;
      }
    }
  }

  private send(kind: 'trigger' | 'resolve', incidentId: string, reason: string, now: number): void {
    const data = {
      incidentId,
      event: kind === 'trigger' ? 'escalated' : 'resolved',
      summary: reason,
      class: 'observer_partition',
      level: 3,
      state: kind === 'trigger' ? 'open' : 'resolved',
      hostId: 'vigil',
      subject: { kind: 'observer', coordinatorId: 'vigil' },
      service: null,
      rootCause: null,
      openedAt: new Date(now).toISOString(),
      reason,
      url: '',
      flapping: false,
    } as IncidentData;
    const cloudEvent = makeCloudEvent({ source: 'vigil-notify/deadman', type: kind === 'trigger' ? 'vigil.v1.escalation.l3' : 'vigil.v1.incident.resolved', subject: incidentId, time: new Date(now), data }) as CloudEvent<IncidentData>;
    this.deliver({ kind, cloudEvent, incident: data, labels: {} }, this.opts.receiver).catch((err: unknown) => this.log.error({ err, incidentId }, "dead man's switch page failed"));
  }
}
