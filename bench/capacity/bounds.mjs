// The capacity criterion of one run, from the simulator's result JSON. Pure.

/**
 * A fleet size holds when every agent connected, every killed host was reported silent
 * on NATS within the detection deadline (none missed), no live host was reported silent,
 * and the 99th percentile of kill → event stays within two periods plus one second (the
 * liveness period, 1 s by default, or the heartbeat interval for agents without liveness).
 */
export function checkBounds(r) {
  const reasons = [];
  // Two of the periods the coordinator judges by (the liveness period where granted) plus 1 s.
  const boundMs = 2 * (r.periodMs ?? r.intervalMs) + 1000;
  const d = r.detectionMs;
  if (r.connected < r.n) reasons.push(`only ${r.connected} of ${r.n} agents connected`);
  if (!d) reasons.push('no detection figures (run without NATS)');
  else {
    if (d.n === 0) reasons.push('no kill was detected');
    if (d.p99 !== null && d.p99 > boundMs) reasons.push(`detection p99 ${d.p99} ms > ${boundMs} ms`);
    if (d.falsePositives > 0) reasons.push(`${d.falsePositives} false positives`);
    if (d.missed > 0) reasons.push(`${d.missed} missed`);
  }
  return { ok: reasons.length === 0, boundMs, reasons };
}
