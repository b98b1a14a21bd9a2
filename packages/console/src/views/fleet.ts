import { esc, h } from '../dom.js';
import { relative } from '../format.js';
import { emptyFilter, FleetModel, HOST_STATES, matches, serviceWord, servicesOf, zoneOf, type FleetFilter } from '../fleet-model.js';
import type { HostState, HostSummary } from '../types.js';
import type { View } from './view.js';

function badgesHtml(hs: HostSummary): string {
  const badges = servicesOf(hs)
    .map((s) => {
      const word = serviceWord(s);
      const title = `${s.name}${word ? `: ${word}` : ''}${s.exhausted ? ', restart budget spent' : ''}`;
      return `<span class="badge${word ? ` sv-${esc(word)}` : ''}" title="${esc(title)}">${esc(s.name)}${word && word !== 'running' ? ` ${esc(word)}` : ''}</span>`;
    })
    .join('');
  const inc = hs.summary?.openIncidents?.length ? `<span class="badge inc" title="open incidents">${hs.summary.openIncidents.length} open</span>` : '';
  return inc + badges;
}

function tileHtml(hs: HostSummary): string {
  return `<a class="tile st-${hs.state}" href="/hosts/${encodeURIComponent(hs.id)}" data-id="${esc(hs.id)}"><span class="name">${esc(hs.id)}</span><span class="state">${hs.state}</span><span class="badges">${badgesHtml(hs)}</span></a>`;
}

/**
 * The fleet: hosts grouped by zone, each a tile with its state as colour and word and its
 * services as badges. Drawn once in bulk; after that only changed tiles are touched, in
 * one batch per animation frame, so a burst of events costs one layout.
 */
export const fleetView: View = (root, ctx) => {
  const model = new FleetModel();
  const filter: FleetFilter = emptyFilter();
  const tiles = new Map<string, HTMLAnchorElement>();
  const zoneEls = new Map<string, { section: HTMLElement; grid: HTMLElement; count: HTMLElement }>();
  const pending = new Map<string, HostSummary | null>();
  let frame = 0;
  let drawn = false;

  const search = h('input', { type: 'search', id: 'fleet-q', placeholder: 'Search id or hostname', 'aria-label': 'Search hosts by id or hostname', autocomplete: 'off' });
  const zoneSelect = h('select', { id: 'fleet-zone', 'aria-label': 'Zone' }, h('option', { value: '' }, 'All zones'));
  const stateButtons = HOST_STATES.map((s) => h('button', { type: 'button', class: `chip st-${s}`, 'aria-pressed': 'false', 'data-state': s }, s, ' ', h('span', { class: 'n' }, '0')));
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  const zonesEl = h('div', { class: 'zones' });
  root.append(
    h('h1', {}, 'Fleet'),
    h('div', { class: 'controls', role: 'search' }, search, zoneSelect, h('div', { class: 'chips', role: 'group', 'aria-label': 'Filter by state' }, stateButtons)),
    summary,
    zonesEl,
  );

  const visible = (hs: HostSummary) => matches(hs, filter);

  const zoneBox = (zone: string) => {
    let z = zoneEls.get(zone);
    if (z) return z;
    const count = h('span', { class: 'n' });
    const grid = h('div', { class: 'tiles' });
    const section = h('section', { class: 'zone', 'data-zone': zone, 'aria-label': `zone ${zone}` }, h('h2', {}, zone, ' ', count), grid);
    // Zones in name order: insert before the first one that sorts after.
    const after = [...zoneEls.keys()].sort().find((k) => k.localeCompare(zone) > 0);
    zonesEl.insertBefore(section, after ? zoneEls.get(after)!.section : null);
    z = { section, grid, count };
    zoneEls.set(zone, z);
    return z;
  };

  const drawAll = () => {
    const byZone = new Map<string, string[]>();
    for (const hs of [...model.hosts.values()].sort((a, b) => a.id.localeCompare(b.id))) {
      const z = zoneOf(hs);
      let list = byZone.get(z);
      if (!list) byZone.set(z, (list = []));
      list.push(tileHtml(hs));
    }
    zonesEl.textContent = '';
    zoneEls.clear();
    tiles.clear();
    for (const zone of model.zones()) zoneBox(zone).grid.innerHTML = byZone.get(zone)!.join('');
    for (const el of zonesEl.querySelectorAll<HTMLAnchorElement>('a.tile')) tiles.set(el.dataset.id!, el);
    drawn = true;
    applyFilter();
  };

  const drawOne = (id: string, hs: HostSummary | null) => {
    const old = tiles.get(id);
    if (!hs) {
      old?.remove();
      tiles.delete(id);
      return;
    }
    const zone = zoneOf(hs);
    if (old && old.closest('section')?.getAttribute('data-zone') === zone) {
      // The common case, a state change: two attribute writes, no new nodes.
      old.className = `tile st-${hs.state}`;
      const st = old.querySelector('.state')!;
      if (st.textContent !== hs.state) st.textContent = hs.state;
      const badges = old.querySelector('.badges')!;
      const fresh = badgesHtml(hs);
      if (badges.innerHTML !== fresh) badges.innerHTML = fresh;
      old.hidden = !visible(hs);
      return;
    }
    old?.remove();
    const tpl = document.createElement('template');
    tpl.innerHTML = tileHtml(hs);
    const el = tpl.content.firstChild as HTMLAnchorElement;
    el.hidden = !visible(hs);
    const grid = zoneBox(zone).grid;
    const next = [...grid.children].find((c) => (c as HTMLElement).dataset.id!.localeCompare(id) > 0) ?? null;
    grid.insertBefore(el, next);
    tiles.set(id, el);
  };

  const flush = () => {
    frame = 0;
    for (const [id, hs] of pending) drawOne(id, hs);
    pending.clear();
    updateCounts();
  };
  const schedule = (id: string, hs: HostSummary | null) => {
    pending.set(id, hs);
    if (!frame) frame = requestAnimationFrame(flush);
  };

  const updateCounts = () => {
    const c = model.counts();
    stateButtons.forEach((b, i) => (b.querySelector('.n')!.textContent = String(c[HOST_STATES[i]!])));
    const zones = model.zones();
    if (zoneSelect.options.length !== zones.length + 1) {
      const keep = zoneSelect.value;
      zoneSelect.replaceChildren(h('option', { value: '' }, 'All zones'), ...zones.map((z) => h('option', { value: z }, z)));
      zoneSelect.value = keep;
    }
    let shown = 0;
    for (const [zone, z] of zoneEls) {
      let n = 0;
      for (const el of z.grid.children) if (!(el as HTMLElement).hidden) n++;
      shown += n;
      z.count.textContent = `(${n})`;
      z.section.hidden = n === 0 || (filter.zone !== '' && filter.zone !== zone);
    }
    summary.textContent = `${shown} of ${model.hosts.size} hosts shown · ${ctx.live.modeNow}`;
  };

  const applyFilter = () => {
    for (const [id, el] of tiles) {
      const hs = model.hosts.get(id);
      el.hidden = !hs || !visible(hs);
    }
    updateCounts();
  };

  search.addEventListener('input', () => {
    filter.q = search.value.trim();
    applyFilter();
  });
  zoneSelect.addEventListener('change', () => {
    filter.zone = zoneSelect.value;
    applyFilter();
  });
  for (const b of stateButtons) {
    b.addEventListener('click', () => {
      const s = b.dataset.state as HostState;
      const states = filter.states as Set<HostState>;
      if (states.has(s)) states.delete(s);
      else states.add(s);
      b.setAttribute('aria-pressed', String(states.has(s)));
      applyFilter();
    });
  }

  const onHosts = (list: HostSummary[]) => {
    const diff = model.replace(list);
    if (!drawn) return drawAll();
    for (const hs of [...diff.added, ...diff.changed]) schedule(hs.id, hs);
    for (const id of diff.removed) schedule(id, null);
    if (diff.added.length + diff.changed.length + diff.removed.length === 0) updateCounts();
  };
  // Hosts whose badges may have changed (a service or incident event): fetched one by one
  // through the search filter, or the whole list when many changed at once.
  let refetchTimer: ReturnType<typeof setTimeout> | null = null;
  const stale = new Set<string>();
  let wholeList = false;
  const refreshStale = async () => {
    refetchTimer = null;
    const ids = [...stale];
    stale.clear();
    if (wholeList || ids.length > 20) {
      wholeList = false;
      return ctx.live.refetch();
    }
    await Promise.all(
      ids.map(async (id) => {
        try {
          const fresh = (await ctx.api.hostsMatching(id)).find((x) => x.id === id);
          if (fresh && model.upsert(fresh)) schedule(id, fresh);
        } catch {
          stale.add(id);
        }
      }),
    );
  };
  /** No id: a host the page has never seen, so the whole list. */
  const refetchSoon = (id?: string) => {
    if (id === undefined) wholeList = true;
    else stale.add(id);
    if (!refetchTimer) refetchTimer = setTimeout(() => void refreshStale(), 250);
  };
  const unsubscribe = ctx.live.subscribe({
    hosts: onHosts,
    hostState: (id, state, at) => {
      const hs = model.setState(id, state, at);
      if (hs) schedule(id, hs);
      else refetchSoon();
    },
    hostRemoved: (id) => {
      if (model.remove(id)) schedule(id, null);
    },
    // Service and incident events change badges the host list carries.
    incident: (e) => {
      if (!e.subject.startsWith('vigil.v1.service.') && !e.subject.startsWith('vigil.v1.incident.')) return;
      const hostId = (e.payload as { data?: { hostId?: unknown } } | null)?.data?.hostId;
      if (typeof hostId === 'string' && model.hosts.has(hostId)) refetchSoon(hostId);
    },
    mode: () => updateCounts(),
  });
  if (ctx.live.lastHosts) onHosts(ctx.live.lastHosts);
  else summary.textContent = 'Loading hosts…';
  const ticker = setInterval(() => {
    // Tile titles carry "since"; refreshed rarely, they are only hover text.
    for (const [id, el] of tiles) {
      const hs = model.hosts.get(id);
      if (hs) el.title = `${hs.state} since ${relative(hs.stateSince)}`;
    }
  }, 30_000);

  return () => {
    unsubscribe();
    if (frame) cancelAnimationFrame(frame);
    if (refetchTimer) clearTimeout(refetchTimer);
    clearInterval(ticker);
  };
};
