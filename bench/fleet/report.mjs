// Turns the raw observations of a run into the figures the capacity table needs, and
// prints them. Pure: everything it reads is handed in.
import { Histogram, median, percentileOf } from './histogram.mjs';
import { histogramBuckets, histogramDeltaPercentile } from './prom.mjs';

const MB = 2 ** 20;
const round = (v, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? v ?? null : Number(v.toFixed(d)));
const stats = (values) => ({ n: values.length, p50: round(percentileOf(values, 50)), p99: round(percentileOf(values, 99)), max: round(percentileOf(values, 100)) });

/**
 * Detection: first silent event for a killed host after its kill; everything else silent
 * is a false positive. A verdict counts by when the coordinator reached it (the event's
 * time), not when it arrived: a backed-up outbox publishes false alarms late, and they are
 * still false alarms. Verdicts reached after the window (during Goodbye) are not judged.
 */
export function judgeDetection(kills, silentEvents, deadlineMs, window, ignore = new Set()) {
  const killed = new Map(kills.map((k) => [k.hostId, k]));
  const detections = [];
  const missed = [];
  const fp = [];
  const firstAfter = new Map();
  for (const [hostId, e] of silentEvents) {
    if ((e.eventAt ?? e.arrivedAt) > window.wall1 || ignore.has(hostId)) continue;
    const k = killed.get(hostId);
    if (!k || (e.eventAt ?? e.arrivedAt) < k.at) {
      fp.push({ hostId, arrivedAt: e.arrivedAt, eventAt: e.eventAt });
      continue;
    }
    if (!firstAfter.has(hostId)) firstAfter.set(hostId, e);
  }
  const unjudged = [];
  for (const k of kills) {
    const e = firstAfter.get(k.hostId);
    if (e && e.arrivedAt - k.at <= deadlineMs) detections.push({ hostId: k.hostId, mode: k.mode, ms: e.arrivedAt - k.at });
    // Its deadline runs past the window and nothing came within it: neither found nor missed.
    else if (!e && k.at + deadlineMs > window.wall1) unjudged.push(k.hostId);
    // Which host, how it was killed, when in the window, and how late its verdict came (or
    // null: none), so a missed kill can be looked up in the coordinator's log.
    else missed.push({ hostId: k.hostId, mode: k.mode, atMs: k.at - window.wall0, lateMs: e ? e.arrivedAt - k.at : null });
  }
  return { detections, missed, fp, unjudged };
}

/** `web-7 (freeze at +51.9 s, silent after 9.2 s)`: a missed kill in the report. */
export function describeMissed(m) {
  const at = `${m.mode} at +${(m.atMs / 1000).toFixed(1)} s`;
  return `${m.hostId} (${at}, ${m.lateMs === null ? 'never reported silent in the window' : `silent after ${(m.lateMs / 1000).toFixed(1)} s`})`;
}

/**
 * The silent verdicts among `fp` (hosts never killed) on agents whose simulator process
 * stood still (`stallsOf(hostId)`: wall-clock [from, to] pairs, worker.mjs) at some time
 * within `boundMs` before the verdict. Those agents sent nothing meanwhile, like a frozen
 * host: a true detection of the simulator's stall, not the coordinator's mistake.
 */
export function onStalledSimulator(fp, stallsOf, boundMs) {
  return fp.filter((x) => {
    const at = x.eventAt ?? x.arrivedAt;
    return stallsOf(x.hostId).some(([from, to]) => from <= at && to >= at - boundMs);
  });
}

function metricsSummary(snapshots) {
  if (snapshots.length < 2) return null;
  const first = snapshots[0];
  const last = snapshots.at(-1);
  const dt = (last.t - first.t) / 1000;
  const val = (s, k) => s.m.get(k) ?? null;
  const delta = (k) => (val(last, k) ?? 0) - (val(first, k) ?? 0);
  const series = (k) => snapshots.slice(1).map((s) => val(s, k)).filter((v) => v !== null);
  const hb = delta('vigil_heartbeats_received_total');
  const batches = delta('vigil_store_heartbeat_batch_seconds_count');
  const storeName = 'vigil_store_heartbeat_batch_seconds';
  const b0 = histogramBuckets(first.m, storeName);
  const b1 = histogramBuckets(last.m, storeName);
  // The coordinator's event-loop gauge resets on each scrape: every value covers one scrape interval.
  const lagP99 = series('vigil_process_eventloop_lag_seconds{quantile="0.99"}').map((v) => v * 1000);
  const lagMax = series('vigil_process_eventloop_lag_seconds{quantile="1"}').map((v) => v * 1000);
  let rejected = 0;
  for (const [k, v] of last.m) if (k.startsWith('vigil_agent_messages_rejected_total')) rejected += v - (first.m.get(k) ?? 0);
  return {
    heartbeatsPerSec: round(hb / dt),
    connectedAgents: val(last, 'vigil_connected_agents'),
    store: {
      batchesPerSec: round(batches / dt),
      meanBatchSize: batches > 0 ? round(hb / batches) : null,
      meanMs: batches > 0 ? round((delta(`${storeName}_sum`) / batches) * 1000, 2) : null,
      p50LeMs: round((histogramDeltaPercentile(b0, b1, 50) ?? NaN) * 1000, 2),
      p99LeMs: round((histogramDeltaPercentile(b0, b1, 99) ?? NaN) * 1000, 2),
    },
    loopLag: { p99MedianMs: round(median(lagP99)), p99MaxMs: round(Math.max(...lagP99)), maxMs: round(Math.max(...lagMax)) },
    outbox: {
      depthMax: Math.max(...series('vigil_outbox_depth')),
      lagMaxS: round(Math.max(...series('vigil_outbox_lag_seconds')), 2),
    },
    heapUsedMB: round((val(last, 'vigil_process_memory_bytes{kind="heap_used"}') ?? 0) / MB),
    publishFailures: delta('vigil_event_publish_failures_total'),
    rejected,
    scrapeMsMedian: round(median(snapshots.map((s) => s.ms))),
  };
}

export function summarize(r) {
  const { opts } = r;
  const coord = r.samples.map((s) => s.procs.coordinator).filter(Boolean);
  const cpu = coord.map((c) => c.cpuPct).filter((v) => v !== null);
  const rss = coord.map((c) => c.rss / MB);
  const idleRss = median(r.idleSamples.map((s) => s.procs.coordinator?.rss / MB).filter(Number.isFinite));
  const simCpu = r.samples.map((s) => Object.entries(s.procs).filter(([k]) => k.startsWith('sim')).reduce((a, [, p]) => a + (p.cpuPct ?? 0), 0));
  const natsCpu = r.samples.map((s) => s.procs.nats?.cpuPct).filter((v) => v !== null && v !== undefined);

  const ack = new Histogram();
  const welcome = new Histogram();
  // Liveness counters (worker.mjs) cover the whole run, as sent and acked do.
  const summed = ['sent', 'acked', 'drops', 'reconnects', 'connectErrors', 'shed', 'writeBackpressure', 'requests', 'regrants', 'connectWhileBusy', 'liveness', 'datagrams', 'datagramErrors', 'datagramPorts', 'datagramsHeard', 'datagramsUnheard'];
  const counters = { ...Object.fromEntries(summed.map((k) => [k, 0])), dropReasons: {}, connectErrorReasons: {} };
  let loopP99 = 0;
  let loopMax = 0;
  // The longest liveness period the coordinator granted any agent (0: none granted).
  let granted = 0;
  for (const f of r.finals) {
    ack.merge(f.ack);
    welcome.merge(f.welcome);
    for (const k of summed) counters[k] += f.counters[k] ?? 0;
    for (const k of ['dropReasons', 'connectErrorReasons']) for (const [why, n] of Object.entries(f.counters[k])) counters[k][why] = (counters[k][why] ?? 0) + n;
    loopP99 = Math.max(loopP99, f.counters.loopP99Ms ?? 0);
    loopMax = Math.max(loopMax, f.counters.loopMaxMs ?? 0);
    granted = Math.max(granted, f.counters.grantedLivenessMaxMs ?? 0);
  }
  // What the coordinator judged silence by: the longest liveness period it granted, or the
  // heartbeat interval where it granted none (an older coordinator, or a fleet beyond its budget).
  const periodMs = granted > 0 ? granted : opts.intervalMs;

  let detection = null;
  let outboxDelay = null;
  if (r.watch) {
    // An agent that was reconnecting when its kill came has no live stream to lose.
    const kills = r.kills.filter((k) => k.wasLive);
    const down = new Set(r.kills.filter((k) => !k.wasLive).map((k) => k.hostId));
    // The deadline follows the period the coordinator granted (longer than the one asked for
    // in a large fleet): 3 periods + 5 s, as the simulator's options compute it.
    const deadlineMs = Math.max(opts.detectionDeadlineMs, 3 * periodMs + 5000);
    const { detections, missed, fp, unjudged } = judgeDetection(kills, r.watch.eventsOf('silent'), deadlineMs, r.window, down);
    const ms = detections.map((d) => d.ms);
    const byMode = {};
    for (const mode of ['destroy', 'freeze']) {
      const m = detections.filter((d) => d.mode === mode).map((d) => d.ms);
      if (m.length) byMode[mode] = stats(m);
    }
    const killedIds = new Set(r.kills.map((k) => k.hostId));
    const unexpectedSuspect = r.watch.eventsOf('suspect').filter(([h, e]) => !killedIds.has(h) && e.arrivedAt <= r.window.wall1).length;
    const boundMs = 2 * periodMs + 1000;
    const explained = onStalledSimulator(fp, (hostId) => r.finals[r.ownerIndexOf?.(hostId) ?? -1]?.stalls ?? [], boundMs);
    detection = {
      kills: kills.length,
      killedWhileDown: r.kills.length - kills.length,
      ...stats(ms),
      byMode,
      missed: missed.length,
      missedKills: missed,
      unjudged: unjudged.length,
      falsePositives: fp.length,
      // While the fleet connects (a reconnect storm) versus in steady state.
      falsePositivesBeforeWindow: fp.filter((x) => x.arrivedAt < r.window.wall0).length,
      falsePositiveHosts: fp.slice(0, 10).map((f) => f.hostId),
      explainedBySimulatorStall: explained.length,
      unexplainedFalsePositives: fp.length - explained.length,
      unexpectedSuspect,
      deadlineMs,
      boundMs,
    };
    outboxDelay = stats(r.watch.outboxDelays.filter((d) => d.at >= r.window.wall0 && d.at <= r.window.wall1).map((d) => d.ms));
  }

  return {
    label: opts.label,
    n: opts.agents,
    connected: r.connected,
    connectFailed: r.connectFailed,
    intervalMs: opts.intervalMs,
    livenessIntervalMs: opts.livenessIntervalMs,
    livenessDatagrams: opts.livenessDatagrams,
    periodMs,
    grantedLivenessMaxMs: granted,
    jitter: opts.jitter,
    payload: opts.payload,
    processes: r.finals.length,
    warmupS: opts.warmupS,
    durationS: opts.durationS,
    killMode: opts.killMode,
    killAtOnce: opts.killAtOnce,
    rampS: round(r.rampS),
    welcomeMs: { p50: round(welcome.percentile(50)), p99: round(welcome.percentile(99)), max: round(welcome.percentile(100)) },
    firstHeartbeat: opts.firstHeartbeat,
    rampRate: opts.rampRate,
    coordinator: coord.length
      ? {
          cpuPct: { median: round(median(cpu)), max: round(Math.max(...cpu)) },
          rssMB: { idle: round(idleRss), median: round(median(rss)), max: round(Math.max(...rss)) },
          rssPerAgentKB: r.connected > 0 ? round(((median(rss) - idleRss) * 1024) / r.connected, 1) : null,
        }
      : null,
    ackMs: { n: ack.n, p50: round(ack.percentile(50), 2), p99: round(ack.percentile(99), 2), max: round(ack.percentile(100), 1) },
    detectionMs: detection,
    outbox: { eventDelayMs: outboxDelay, ...(metricsSummary(r.snapshots)?.outbox ?? {}) },
    metrics: metricsSummary(r.snapshots),
    scrapeErrors: r.scrapeErrors,
    natsCpuPctMedian: natsCpu.length ? round(median(natsCpu)) : null,
    sim: { cpuPctMedian: round(median(simCpu)), loopP99Ms: round(loopP99), loopMaxMs: round(loopMax), ...simStalls(r.finals), ...counters },
    machine: {
      cores: r.cores,
      load1Start: r.load1Start,
      load1End: r.load1End,
      udpRcvbufDrops: r.udpRcvbufDrops,
      busyPctMedian: round(median(r.samples.map((s) => s.machineBusyPct).filter((v) => v !== null))),
    },
    events: r.watch ? r.watch.countByState : null,
  };
}

/** How often and how long the simulator processes stood still (worker.mjs). */
function simStalls(finals) {
  const all = finals.flatMap((x) => x.stalls ?? []);
  return { stalls: all.length, longestStallMs: all.length ? Math.max(...all.map(([a, b]) => b - a)) : 0 };
}

const f = (v, unit = '') => (v === null || v === undefined ? '-' : `${v}${unit}`);

/** A two-column table of one run, for people. */
export function formatRun(s) {
  const d = s.detectionMs;
  const m = s.metrics;
  const rows = [
    ['agents (connected / asked)', `${s.connected} / ${s.n}  (ramp ${s.rampS} s at ≤${s.rampRate}/s, ${s.processes} sim processes)`],
    ['Welcome latency while connecting p50 / p99 / max', `${f(s.welcomeMs.p50)} / ${f(s.welcomeMs.p99)} / ${f(s.welcomeMs.max)} ms; ${s.sim.connectErrors} failed attempts, ${s.sim.shed ?? 0} shed (sent away with a retry hint)`],
    ['interval', `${s.intervalMs} ms ±${s.jitter * 100} %, payload ${s.payload}`],
    ['coordinator CPU, % of one core (median / max)', s.coordinator ? `${f(s.coordinator.cpuPct.median)} / ${f(s.coordinator.cpuPct.max)}` : '-'],
    ['coordinator RSS MB (idle / median / max)', s.coordinator ? `${f(s.coordinator.rssMB.idle)} / ${f(s.coordinator.rssMB.median)} / ${f(s.coordinator.rssMB.max)}` : '-'],
    ['RSS per connected agent', s.coordinator ? f(s.coordinator.rssPerAgentKB, ' KB') : '-'],
    ['heartbeat ack latency p50 / p99 / max', `${f(s.ackMs.p50)} / ${f(s.ackMs.p99)} / ${f(s.ackMs.max)} ms  (${s.ackMs.n} acks)`],
    ['detection kill→NATS p50 / p99 / max', d ? `${f(d.p50)} / ${f(d.p99)} / ${f(d.max)} ms  (${d.n} of ${d.kills} kills, bound ${d.boundMs} ms)` : '-'],
    ...(d ? Object.entries(d.byMode).map(([mode, x]) => [`  ${mode}`, `${f(x.p50)} / ${f(x.p99)} / ${f(x.max)} ms  (${x.n})`]) : []),
    ['false positives (before window) / missed', d ? `${d.falsePositives} (${d.falsePositivesBeforeWindow}) / ${d.missed}${d.falsePositiveHosts.length ? `  e.g. ${d.falsePositiveHosts.slice(0, 3).join(', ')}` : ''}` : '-'],
    ['  of them on agents whose simulator process stood still ≥ 1 s', d ? `${d.explainedBySimulatorStall} (simulator stalls: ${s.sim.stalls}, longest ${f(s.sim.longestStallMs, ' ms')})` : '-'],
    ...(d && d.missedKills.length ? [['missed kills', d.missedKills.slice(0, 3).map(describeMissed).join('; ')]] : []),
    ...(d && d.unjudged ? [['kills too late to judge (deadline past the window)', `${d.unjudged}`]] : []),
    ['unexpected suspect (stream broke, not killed)', d ? `${d.unexpectedSuspect}` : '-'],
    ['outbox: transition→NATS p50 / p99 / max', s.outbox.eventDelayMs ? `${f(s.outbox.eventDelayMs.p50)} / ${f(s.outbox.eventDelayMs.p99)} / ${f(s.outbox.eventDelayMs.max)} ms` : '-'],
    ['outbox depth max / lag max (scraped)', `${f(s.outbox.depthMax)} / ${f(s.outbox.lagMaxS, ' s')}`],
    ['heartbeats/s (coordinator)', m ? f(m.heartbeatsPerSec) : '-'],
    ['store batch: per s / mean size / mean / p99≤', m ? `${f(m.store.batchesPerSec)} / ${f(m.store.meanBatchSize)} / ${f(m.store.meanMs, ' ms')} / ${f(m.store.p99LeMs, ' ms')}` : '-'],
    ['event loop lag p99 (median / max) / max', m ? `${f(m.loopLag.p99MedianMs)} / ${f(m.loopLag.p99MaxMs)} / ${f(m.loopLag.maxMs)} ms` : '-'],
    ['heap used', m ? f(m.heapUsedMB, ' MB') : '-'],
    ['nats-server CPU median', f(s.natsCpuPctMedian, ' %')],
    ['simulator CPU (all) / loop p99 / max', `${f(s.sim.cpuPctMedian, ' %')} / ${f(s.sim.loopP99Ms)} / ${f(s.sim.loopMaxMs)} ms`],
    ['sim: sent / acked / drops / reconnects', `${s.sim.sent} / ${s.sim.acked} / ${s.sim.drops} / ${s.sim.reconnects}`],
    ['sim liveness: stream messages / datagrams (send errors)', `${s.sim.liveness} / ${s.sim.datagrams} (${s.sim.datagramErrors})${s.livenessDatagrams ? '' : ', datagrams off'}`],
    ['  datagram ports given / agents told heard / back to stream', `${s.sim.datagramPorts} streams / ${s.sim.datagramsHeard} / ${s.sim.datagramsUnheard}`],
    ['  UDP dropped by full receive buffers (machine, during the run)', f(s.machine.udpRcvbufDrops)],
    ['machine: cores / load1 start→end / busy median', `${s.machine.cores} / ${s.machine.load1Start} → ${s.machine.load1End} / ${f(s.machine.busyPctMedian, ' %')}`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
