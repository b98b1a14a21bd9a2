// The capacity table in Markdown, one row per fleet size, from the simulator results.

const v = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : typeof x === 'number' ? x.toFixed(d) : String(x));

export const HEADER = [
  'N', 'interval / liveness', 'coord CPU % of 1 core med / max', 'RSS MB med / max', 'RSS / agent KB', 'ack p50 / p99 ms',
  'detect p50 / p99 / max ms', 'p99 destroy / freeze ms', 'FP (while connecting)', 'missed', 'outbox lag p99 / max ms', 'loop lag p99 max ms',
  'store batch p99 ≤ ms', 'hb/s', 'Welcome p99 ms', 'load1', 'holds',
];

export function row(r, verdict) {
  const c = r.coordinator;
  const d = r.detectionMs;
  const m = r.metrics;
  const o = r.outbox?.eventDelayMs;
  return [
    r.connected === r.n ? v(r.n) : `${r.n} (${r.connected} conn.)`,
    `${r.intervalMs / 1000} s / ${r.periodMs < r.intervalMs ? `${r.periodMs / 1000} s` : 'none'}`,
    c ? `${v(c.cpuPct.median)} / ${v(c.cpuPct.max)}` : '-',
    c ? `${v(c.rssMB.median)} / ${v(c.rssMB.max)}` : '-',
    c ? v(c.rssPerAgentKB, 1) : '-',
    `${v(r.ackMs.p50, 1)} / ${v(r.ackMs.p99, 1)}`,
    d ? `${v(d.p50)} / ${v(d.p99)} / ${v(d.max)}` : '-',
    d ? `${v(d.byMode.destroy?.p99)} / ${v(d.byMode.freeze?.p99)}` : '-',
    d ? `${v(d.falsePositives)} (${v(d.falsePositivesBeforeWindow)})` : '-',
    d ? v(d.missed) : '-',
    o ? `${v(o.p99)} / ${v(o.max)}` : '-',
    m ? v(m.loopLag.p99MaxMs, 1) : '-',
    m ? v(m.store.p99LeMs, 1) : '-',
    m ? v(m.heartbeatsPerSec) : '-',
    `${v(r.welcomeMs.p99)}${r.sim.connectErrors ? ` (${r.sim.connectErrors} failed)` : ''}${r.sim.shed ? ` (${r.sim.shed} shed)` : ''}`,
    `${r.machine.load1Start} → ${r.machine.load1End}`,
    verdict.ok ? 'yes' : `no: ${verdict.reasons.join('; ')}`,
  ];
}

export function markdown(rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * What one more agent costs the coordinator, apart from what a loaded coordinator holds
 * whatever its size (the young generation at its full size, optimised code): the RSS
 * slope between the smallest and the largest size run, each a fresh coordinator with the
 * same flags. "RSS / agent" in the table divides both parts by N, so it falls as N grows.
 */
export function memoryPerAddedAgent(results) {
  const runs = results.filter((r) => r.coordinator?.rssMB && r.connected > 0).sort((a, b) => a.connected - b.connected);
  if (runs.length < 2) return undefined;
  const [lo, hi] = [runs[0], runs.at(-1)];
  if (hi.connected - lo.connected < 1000) return undefined;
  const loaded = (r) => r.coordinator.rssMB.median - r.coordinator.rssMB.idle;
  const perAgentKB = ((loaded(hi) - loaded(lo)) * 1024) / (hi.connected - lo.connected);
  const fixedMB = loaded(lo) - (perAgentKB * lo.connected) / 1024;
  const figures = { from: lo.connected, to: hi.connected, perAgentKB: Math.round(perAgentKB * 10) / 10, fixedMB: Math.round(fixedMB) };
  return { figures, line: `RSS per added agent (${lo.connected} → ${hi.connected} connected): ${v(perAgentKB, 1)} KB; held whatever the size, under load: ${v(fixedMB)} MB` };
}
