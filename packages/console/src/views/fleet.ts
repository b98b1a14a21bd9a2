import { h } from '../dom.js';
import { relative } from '../format.js';
import { emptyFilter, FleetModel, HOST_STATES, matches, zoneOf, type FleetFilter } from '../fleet-model.js';
import type { HostState, HostSummary } from '../types.js';
import { retryingLoad } from '../retry-load.js';
import { FleetGrid } from './fleet-grid.js';
import type { View } from './view.js';

/**
 * The fleet: hosts grouped by zone, each a tile with its state as colour and word and its
 * services as badges, filtered by text, state and zone. Changes from the event stream are
 * applied in one batch per animation frame, so a burst of events costs one layout.
 */
export const fleetView: View = (root, ctx) => {
  const model = new FleetModel();
  const filter: FleetFilter = emptyFilter();
  const grid = new FleetGrid(model, (hs) => matches(hs, filter));
  /** The zone each host was last drawn in, to see a move. */
  const zoneWas = new Map<string, string>();
  const pending = new Map<string, HostSummary | null>();
  const dirtyZones = new Set<string>();
  let frame = 0;
  let drawn = false;

  const search = h('input', { type: 'search', id: 'fleet-q', placeholder: 'Search id or hostname', 'aria-label': 'Search hosts by id or hostname', autocomplete: 'off' });
  const zoneSelect = h('select', { id: 'fleet-zone', 'aria-label': 'Zone' }, h('option', { value: '' }, 'All zones'));
  const stateButtons = HOST_STATES.map((s) => h('button', { type: 'button', class: `chip st-${s}`, 'aria-pressed': 'false', 'data-state': s }, s, ' ', h('span', { class: 'n' }, '0')));
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  root.append(
    h('h1', {}, 'Fleet'),
    h('div', { class: 'controls', role: 'search' }, search, zoneSelect, h('div', { class: 'chips', role: 'group', 'aria-label': 'Filter by state' }, stateButtons)),
    summary,
    grid.el,
  );

  const updateCounts = () => {
    const c = model.counts();
    stateButtons.forEach((b, i) => (b.querySelector('.n')!.textContent = String(c[HOST_STATES[i]!])));
    const zones = model.zones();
    if (zoneSelect.options.length !== zones.length + 1) {
      const keep = zoneSelect.value;
      zoneSelect.replaceChildren(h('option', { value: '' }, 'All zones'), ...zones.map((z) => h('option', { value: z }, z)));
      zoneSelect.value = keep;
    }
    summary.textContent = `${grid.shown().total} of ${model.hosts.size} hosts shown · ${ctx.live.modeNow}`;
  };
  // The counts walk every host: under a stream of updates they are redrawn at most four times a second.
  let countsTimer: ReturnType<typeof setTimeout> | null = null;
  const countsSoon = () => {
    if (!countsTimer) countsTimer = setTimeout(() => ((countsTimer = null), updateCounts()), 250);
  };

  const layoutAll = () => {
    grid.layoutAll();
    zoneWas.clear();
    for (const hs of model.hosts.values()) zoneWas.set(hs.id, zoneOf(hs));
    updateCounts();
  };

  const flush = () => {
    frame = 0;
    for (const [id, hs] of pending) {
      for (const z of grid.update(id, hs, zoneWas.get(id) ?? null)) dirtyZones.add(z);
      if (hs) zoneWas.set(id, zoneOf(hs));
      else zoneWas.delete(id);
    }
    pending.clear();
    for (const z of dirtyZones) grid.relayoutZone(z);
    dirtyZones.clear();
    countsSoon();
  };
  const schedule = (id: string, hs: HostSummary | null) => {
    pending.set(id, hs);
    if (!frame) frame = requestAnimationFrame(flush);
  };

  search.addEventListener('input', () => {
    filter.q = search.value.trim();
    layoutAll();
  });
  zoneSelect.addEventListener('change', () => {
    filter.zone = zoneSelect.value;
    layoutAll();
  });
  for (const b of stateButtons) {
    b.addEventListener('click', () => {
      const s = b.dataset.state as HostState;
      const states = filter.states as Set<HostState>;
      if (states.has(s)) states.delete(s);
      else states.add(s);
      b.setAttribute('aria-pressed', String(states.has(s)));
      layoutAll();
    });
  }
  const onResize = () => {
    if (drawn && grid.resized()) layoutAll();
  };
  addEventListener('resize', onResize);

  const onHosts = (list: HostSummary[]) => {
    const diff = model.replace(list);
    if (!drawn) {
      drawn = true;
      layoutAll();
      performance.mark('vigil:fleet-drawn', { detail: grid.tiles.size });
      return;
    }
    for (const hs of [...diff.added, ...diff.changed]) schedule(hs.id, hs);
    for (const id of diff.removed) schedule(id, null);
    if (diff.added.length + diff.changed.length + diff.removed.length === 0) updateCounts();
  };

  // Hosts whose badges may have changed (a service or incident event): fetched one by one
  // through the search filter, or the whole list when many changed at once.
  let refetchTimer: ReturnType<typeof setTimeout> | null = null;
  const stale = new Set<string>();
  let wholeList = false;
  // A host lost on the way stays stale and is asked for again with the other loads'
  // backoff (retry-load.ts), not left until its next event.
  const staleLoad = retryingLoad(async () => {
    const ids = [...stale];
    stale.clear();
    if (wholeList || ids.length > 20) {
      wholeList = false;
      return ctx.live.refetch();
    }
    let lost: unknown;
    await Promise.all(
      ids.map(async (id) => {
        try {
          const fresh = (await ctx.api.hostsMatching(id)).find((x) => x.id === id);
          if (fresh && model.upsert(fresh)) schedule(id, fresh);
        } catch (err) {
          stale.add(id);
          lost ??= err;
        }
      }),
    );
    if (lost !== undefined) throw lost;
  });
  const refreshStale = () => {
    refetchTimer = null;
    void staleLoad.run();
  };
  /** No id: a host the page has never seen, so the whole list. */
  const refetchSoon = (id?: string) => {
    if (id === undefined) wholeList = true;
    else stale.add(id);
    if (!refetchTimer) refetchTimer = setTimeout(refreshStale, 250);
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
    for (const [id, el] of grid.tiles) {
      const hs = model.hosts.get(id);
      if (hs) el.title = `${hs.state} since ${relative(hs.stateSince)}`;
    }
  }, 30_000);

  return () => {
    unsubscribe();
    grid.destroy();
    removeEventListener('resize', onResize);
    if (frame) cancelAnimationFrame(frame);
    if (countsTimer) clearTimeout(countsTimer);
    staleLoad.stop();
    if (refetchTimer) clearTimeout(refetchTimer);
    clearInterval(ticker);
  };
};
