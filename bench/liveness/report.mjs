// Turns raw measurements into the figures and the table; pure, no I/O.

/** Figures of one mode from its two snapshots (see liveness.mjs measure()). */
export function figures(raw, hz) {
  const windowS = raw.windowMs / 1000;
  const serverCpuUs = (raw.serverTicks / hz) * 1e6;
  const clientCpuUs = (raw.clientTicks / hz) * 1e6;
  const signals = raw.mode === 'message' ? raw.server.liveness : raw.mode === 'client-ping' ? raw.server.moved : raw.mode === 'udp' ? raw.server.datagrams : raw.mode.startsWith('ping') ? raw.server.acks : 0;
  return {
    mode: raw.mode,
    agents: raw.agents,
    connected: raw.connected,
    windowS: round(windowS, 2),
    serverCpuPct: round((serverCpuUs / 1e6 / windowS) * 100, 2),
    serverCpuUsPerS: round(serverCpuUs / windowS, 0),
    signalsPerS: round(signals / windowS, 1),
    usPerSignal: signals > 0 ? round(serverCpuUs / signals, 2) : null,
    serverRssMb: round(raw.serverRss / 2 ** 20, 1),
    clientCpuPct: round((clientCpuUs / 1e6 / windowS) * 100, 2),
    clientUsPerSignal: signals > 0 ? round(clientCpuUs / signals, 2) : null,
    clientRssMb: round(raw.clientRss / 2 ** 20, 1),
    clientSentPerS: round(raw.clients.sent / windowS, 1),
    clientPingsPerS: round(raw.clients.pingsReceived / windowS, 1),
    lost: raw.clients.lost,
    pingErrors: raw.server.pingErrors,
    clientPingErrors: raw.clients.pingErrors ?? 0,
    load1: raw.load1,
  };
}

/** Adds the cost over the baseline (per signal) and the ratios to each run's figures. */
export function compare(rows) {
  const base = rows.find((r) => r.mode === 'baseline');
  const out = rows.map((r) => {
    const extraUsPerS = base ? r.serverCpuUsPerS - base.serverCpuUsPerS : null;
    const extraClientPct = base ? r.clientCpuPct - base.clientCpuPct : null;
    return {
      ...r,
      extraUsPerS,
      extraUsPerSignal: extraUsPerS !== null && r.signalsPerS > 0 ? round(extraUsPerS / r.signalsPerS, 2) : null,
      extraClientPct: extraClientPct === null ? null : round(extraClientPct, 2),
      vsBaseline: base && base.serverCpuUsPerS > 0 ? round(r.serverCpuUsPerS / base.serverCpuUsPerS, 2) : null,
    };
  });
  const message = out.find((r) => r.mode === 'message');
  // The cheapest other way, whatever it is: a PING of either side or a datagram.
  const pings = out.filter((r) => r.mode !== 'message' && r.mode !== 'baseline');
  const ping = pings.length ? pings.reduce((a, b) => (b.serverCpuUsPerS < a.serverCpuUsPerS ? b : a)) : undefined;
  const ratios = {};
  if (message && ping) {
    ratios.cheaperPing = ping.mode;
    ratios.messageOverPingTotal = round(message.serverCpuUsPerS / ping.serverCpuUsPerS, 2);
    if (base && ping.extraUsPerS > 0) ratios.messageOverPingExtra = round(message.extraUsPerS / ping.extraUsPerS, 2);
    if (message.usPerSignal && ping.usPerSignal) ratios.messageOverPingPerSignal = round(message.usPerSignal / ping.usPerSignal, 2);
  }
  return { rows: out, ratios };
}

export function formatTable(agents, { rows, ratios }) {
  const head = ['mode', 'connected', 'server CPU %', 'µs/s', 'over base µs/s', 'signals/s', 'µs/signal', 'over base µs/signal', 'RSS MB', '× base', 'client CPU %', 'client RSS MB', 'load1'];
  const body = rows.map((r) => [
    r.mode,
    r.connected,
    r.serverCpuPct,
    r.serverCpuUsPerS,
    r.extraUsPerS ?? '-',
    r.signalsPerS,
    r.usPerSignal ?? '-',
    r.extraUsPerSignal ?? '-',
    r.serverRssMb,
    r.vsBaseline ?? '-',
    r.clientCpuPct,
    r.clientRssMb,
    r.load1,
  ]);
  const cells = [head, ...body].map((row) => row.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const lines = [`N = ${agents}`, line(cells[0]), ...cells.slice(1).map(line)];
  if (ratios.cheaperPing) {
    lines.push(
      `message / ${ratios.cheaperPing}: total ${ratios.messageOverPingTotal}×` +
        (ratios.messageOverPingExtra !== undefined ? `, over baseline ${ratios.messageOverPingExtra}×` : '') +
        (ratios.messageOverPingPerSignal !== undefined ? `, per signal ${ratios.messageOverPingPerSignal}×` : ''),
    );
  }
  return lines.join('\n');
}

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
