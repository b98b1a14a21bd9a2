import { h } from '../dom.js';
import { classWords, relative } from '../format.js';
import { retryingLoad } from '../retry-load.js';
import type { Incident } from '../types.js';
import type { View } from './view.js';

const FILTERS = [
  ['active', 'Active', ''],
  ['open', 'Open', '?state=open'],
  ['acknowledged', 'Acknowledged', '?state=acknowledged'],
  ['resolved', 'Resolved', '?state=resolved&limit=200'],
] as const;

export function incidentRow(i: Incident): HTMLElement {
  return h(
    'li',
    { class: `incident lv-${i.level} is-${i.state}` },
    h('a', { href: `/incidents/${encodeURIComponent(i.id)}` }, h('span', { class: 'lvl', title: `escalation level ${i.level}` }, `L${i.level}`), ' ', h('strong', {}, i.summary || classWords[i.class] || i.class)),
    h(
      'div',
      { class: 'meta' },
      h('span', { class: `pill is-${i.state}` }, i.state),
      ' ',
      h('a', { href: `/hosts/${encodeURIComponent(i.hostId)}` }, i.hostId),
      i.service ? ` · ${i.service}` : '',
      ` · ${classWords[i.class] ?? i.class} · opened ${relative(i.openedAt)}`,
      i.nextEscalationAt && i.state === 'open' ? ` · escalates ${relative(i.nextEscalationAt)}` : '',
      i.acknowledgedBy ? ` · acked by ${i.acknowledgedBy}` : '',
      i.silenced ? ' · silenced' : '',
    ),
  );
}

/** Incidents, newest first; refreshed on every incident or escalation event. */
export const incidentsView: View = (root, ctx) => {
  let which: (typeof FILTERS)[number][0] = 'active';
  const list = h('ul', { class: 'incidents', 'aria-live': 'polite' });
  const status = h('p', { class: 'muted' }, 'Loading…');
  const tabs = FILTERS.map(([key, label]) =>
    h('button', { type: 'button', class: 'chip', 'aria-pressed': String(key === which), onclick: () => select(key) }, label),
  );
  root.append(h('h1', {}, 'Incidents'), h('div', { class: 'chips', role: 'group', 'aria-label': 'Which incidents' }, tabs), status, list);

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    const f = FILTERS.find((x) => x[0] === which)!;
    try {
      let items = await ctx.api.incidents(f[2]);
      if (which === 'active') items = items.filter((i) => i.state !== 'resolved');
      if (mine !== seq) return;
      list.replaceChildren(...items.map(incidentRow));
      status.textContent = items.length === 0 ? 'No incidents here.' : `${items.length} incident${items.length === 1 ? '' : 's'}`;
    } catch (err) {
      if (mine !== seq) return;
      status.textContent = `Could not load incidents: ${(err as Error).message}`;
      throw err;
    }
  };
  const loader = retryingLoad(load);
  const select = (key: typeof which) => {
    which = key;
    tabs.forEach((t, i) => t.setAttribute('aria-pressed', String(FILTERS[i]![0] === key)));
    loader.run();
  };
  loader.run();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsubscribe = ctx.live.subscribe({
    incident: () => {
      if (!timer) timer = setTimeout(() => ((timer = null), loader.run()), 300);
    },
  });
  return () => {
    loader.stop();
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
};
