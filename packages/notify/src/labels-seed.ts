import { DeliverPolicy, type NatsConnection } from 'nats';
import { parseHostEvent } from './event.js';

/**
 * Reads the last host event of every host from the stream (an ordered consumer with
 * `last_per_subject` on `vigil.v1.host.>`), so hosts whose last state change happened
 * before vigil-notify's durable consumer existed still have their labels (zone, role)
 * for routing. Returns the hosts found, each with the labels of its newest event.
 */
export async function readHostLabels(nc: NatsConnection, stream: string, timeoutMs = 5000): Promise<Map<string, Record<string, string>>> {
  const js = nc.jetstream({ timeout: timeoutMs });
  // One filter as a string: nats-server 2.9 knows filter_subject, not filter_subjects.
  const c = await js.consumers.get(stream, { filterSubjects: 'vigil.v1.host.>', deliver_policy: DeliverPolicy.LastPerSubject });
  const newest = new Map<string, { seq: number; labels: Record<string, string>; removed: boolean }>();
  const pending = (await c.info()).num_pending;
  if (pending > 0) {
    const msgs = await c.fetch({ max_messages: pending, expires: timeoutMs });
    for await (const m of msgs) {
      const h = parseHostEvent(m.string());
      if (h && (newest.get(h.hostId)?.seq ?? -1) < m.seq) newest.set(h.hostId, { seq: m.seq, labels: h.labels, removed: h.state === 'removed' });
      if (m.info.pending === 0) break;
    }
  }
  const out = new Map<string, Record<string, string>>();
  for (const [host, v] of newest) if (!v.removed) out.set(host, v.labels);
  return out;
}
