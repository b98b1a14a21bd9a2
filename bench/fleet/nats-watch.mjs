// Watches the coordinator's host events on NATS, the way a pager integration would: a
// core subscription on vigil.v1.host.>, timestamped on arrival in this process.
import { connect } from 'nats';

/** `vigil.v1.host.<state>.<token>` → { state, hostId }; tokens map `.` to `_` (see @vigil/shared subject.ts). */
export function parseHostSubject(subject) {
  const parts = subject.split('.');
  if (parts.length < 5 || parts[0] !== 'vigil' || parts[1] !== 'v1' || parts[2] !== 'host') return null;
  return { state: parts[3], hostId: parts.slice(4).join('.').replaceAll('_', '.') };
}

export class HostEventWatch {
  /** @param {string} url */
  static async start(url) {
    const w = new HostEventWatch();
    w.nc = await connect({ servers: url, name: 'vigil-fleet-sim-watch', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    w.nc.subscribe('vigil.v1.host.>', { callback: (err, msg) => (err ? w.errors++ : w.#onMessage(msg)) });
    // The subscription is on the server before the first agent connects.
    await w.nc.flush();
    return w;
  }

  constructor() {
    this.nc = undefined;
    this.errors = 0;
    /** hostId → [{ state, arrivedAt (Date.now()), eventAt (transition time, ms) }] */
    this.byHost = new Map();
    this.countByState = {};
    /** transition → arrival on NATS, ms, per event: the outbox's contribution to detection. */
    this.outboxDelays = [];
  }

  #onMessage(msg) {
    const arrivedAt = Date.now();
    const s = parseHostSubject(msg.subject);
    if (!s) return;
    let eventAt = null;
    try {
      const t = Date.parse(JSON.parse(msg.string()).time);
      eventAt = Number.isNaN(t) ? null : t;
    } catch {
      // not a CloudEvent: count it, no delay
    }
    let list = this.byHost.get(s.hostId);
    if (!list) this.byHost.set(s.hostId, (list = []));
    list.push({ state: s.state, arrivedAt, eventAt });
    this.countByState[s.state] = (this.countByState[s.state] ?? 0) + 1;
    if (eventAt !== null) this.outboxDelays.push({ at: arrivedAt, ms: arrivedAt - eventAt, state: s.state });
  }

  /** Events of a state, in arrival order, as [hostId, event]. */
  eventsOf(state) {
    const out = [];
    for (const [hostId, list] of this.byHost) for (const e of list) if (e.state === state) out.push([hostId, e]);
    return out.sort((a, b) => a[1].arrivedAt - b[1].arrivedAt);
  }

  async close() {
    await this.nc?.drain().catch(() => this.nc?.close());
  }
}
