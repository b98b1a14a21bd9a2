import { esc, h } from '../dom.js';
import { serviceWord, servicesOf, zoneOf, type FleetModel } from '../fleet-model.js';
import type { HostSummary } from '../types.js';

export function badgesHtml(hs: HostSummary): string {
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

export function tileHtml(hs: HostSummary): string {
  return `<a class="tile st-${hs.state}" href="/hosts/${encodeURIComponent(hs.id)}" data-id="${esc(hs.id)}"><span class="name">${esc(hs.id)}</span><span class="state">${hs.state}</span><span class="badges">${badgesHtml(hs)}</span></a>`;
}

interface Block {
  el: HTMLElement;
  ids: string[];
  rendered: boolean;
}
interface Zone {
  section: HTMLElement;
  body: HTMLElement;
  count: HTMLElement;
  blocks: Block[];
  shown: number;
}

/** Rows of tiles per block: the unit that is drawn when it comes near the screen. */
const ROWS_PER_BLOCK = 6;
/** How far outside the screen blocks are drawn ahead, so scrolling and Tab find tiles there. */
const AHEAD_PX = 1200;
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The fleet's tiles, grouped by zone, drawn lazily: each zone is cut into blocks of whole
 * rows, and a block gets its tiles only when it comes within AHEAD_PX of the screen (an
 * empty block holds its estimated height). A fleet of 10,000 hosts thus costs the few
 * hundred tiles on screen, and updates touch only tiles that exist; a host whose block
 * is not drawn yet is drawn from the model when it is.
 */
export class FleetGrid {
  readonly el = h('div', { class: 'zones' });
  /** Drawn tiles by host id. */
  readonly tiles = new Map<string, HTMLAnchorElement>();
  private readonly zones = new Map<string, Zone>();
  private readonly io: IntersectionObserver;
  private readonly blockOf = new WeakMap<Element, Block>();
  /** Hosts laid out (drawn or not) and their zone. */
  private readonly placed = new Map<string, string>();
  private cols = 1;
  private rowPx = 64;

  constructor(
    private readonly model: FleetModel,
    private readonly visible: (h: HostSummary) => boolean,
  ) {
    this.io = new IntersectionObserver((entries) => entries.forEach((e) => e.isIntersecting && this.render(this.blockOf.get(e.target)!)), { rootMargin: `${AHEAD_PX}px 0px` });
  }

  /** Hosts shown under the filter, per zone and in all. */
  shown(): { total: number; zones: Map<string, number> } {
    const zones = new Map([...this.zones].map(([z, v]) => [z, v.shown]));
    return { total: [...zones.values()].reduce((a, b) => a + b, 0), zones };
  }

  /** Lays every zone out again (first draw, filter change, resize). */
  layoutAll(): void {
    this.measure();
    const lists = new Map<string, string[]>();
    for (const hs of this.model.hosts.values()) {
      if (!this.visible(hs)) continue;
      const z = zoneOf(hs);
      let list = lists.get(z);
      if (!list) lists.set(z, (list = []));
      list.push(hs.id);
    }
    for (const [zone, z] of this.zones) if (!lists.has(zone)) this.dropZone(zone, z);
    let budget = innerHeight + AHEAD_PX;
    for (const zone of [...lists.keys()].sort(byId)) budget = this.layoutZone(zone, lists.get(zone)!.sort(byId), budget);
  }

  /** Lays one zone out again (a host came, went, or moved in or out of the filter). */
  relayoutZone(zone: string): void {
    const ids: string[] = [];
    for (const hs of this.model.hosts.values()) if (zoneOf(hs) === zone && this.visible(hs)) ids.push(hs.id);
    if (ids.length === 0) {
      const z = this.zones.get(zone);
      if (z) this.dropZone(zone, z);
      return;
    }
    this.layoutZone(zone, ids.sort(byId), 0);
  }

  /**
   * One host changed. Drawn tiles change in place; returns the zones to lay out again when
   * the host's place changed (new, gone, other zone, in or out of the filter).
   */
  update(id: string, hs: HostSummary | null, oldZone: string | null): string[] {
    const tile = this.tiles.get(id);
    const nowShown = hs !== null && this.visible(hs);
    const zone = hs ? zoneOf(hs) : null;
    const wasShown = oldZone !== null && this.placed.get(id) === oldZone;
    if (!nowShown || !wasShown || zone !== oldZone) return [...new Set([oldZone, nowShown ? zone : null].filter((z): z is string => z !== null))];
    if (tile && hs) {
      // The common case, a state change: a class and a word, no new nodes.
      tile.className = `tile st-${hs.state}`;
      const st = tile.querySelector('.state')!;
      if (st.textContent !== hs.state) st.textContent = hs.state;
      const badges = tile.querySelector('.badges')!;
      const fresh = badgesHtml(hs);
      if (badges.innerHTML !== fresh) badges.innerHTML = fresh;
    }
    return [];
  }

  /** Columns changed with the width: lay out again. */
  resized(): boolean {
    const before = this.cols;
    this.measure();
    return this.cols !== before;
  }

  destroy(): void {
    this.io.disconnect();
  }

  private measure(): void {
    const width = this.el.clientWidth || innerWidth;
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    // As in style.css: .tiles { grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: 0.35rem }
    const min = 9.5 * rem;
    const gap = 0.35 * rem;
    this.cols = Math.max(1, Math.floor((width + gap) / (min + gap)));
    const sample = this.tiles.values().next().value as HTMLElement | undefined;
    if (sample?.offsetHeight) this.rowPx = sample.offsetHeight + gap;
  }

  private zone(zone: string): Zone {
    let z = this.zones.get(zone);
    if (z) return z;
    const count = h('span', { class: 'n' });
    const body = h('div', { class: 'zone-body' });
    const section = h('section', { class: 'zone', 'data-zone': zone, 'aria-label': `zone ${zone}` }, h('h2', {}, zone, ' ', count), body);
    const after = [...this.zones.keys()].sort(byId).find((k) => k > zone);
    this.el.insertBefore(section, after ? this.zones.get(after)!.section : null);
    z = { section, body, count, blocks: [], shown: 0 };
    this.zones.set(zone, z);
    return z;
  }

  private dropZone(zone: string, z: Zone): void {
    this.clearBlocks(z);
    z.section.remove();
    this.zones.delete(zone);
  }

  private clearBlocks(z: Zone): boolean[] {
    const wasRendered = z.blocks.map((b) => b.rendered);
    for (const b of z.blocks) {
      this.io.unobserve(b.el);
      for (const id of b.ids) {
        this.placed.delete(id);
        if (b.rendered) this.tiles.delete(id);
      }
    }
    z.body.textContent = '';
    z.blocks = [];
    return wasRendered;
  }

  /**
   * Cuts a zone's hosts into blocks. Blocks that were drawn before, or that fall within
   * `budget` pixels of the top, are drawn now (no empty frame); the rest when seen.
   */
  private layoutZone(zone: string, ids: string[], budget: number): number {
    const z = this.zone(zone);
    const wasRendered = this.clearBlocks(z);
    const per = this.cols * ROWS_PER_BLOCK;
    budget -= 40; // the zone's heading
    for (const id of ids) this.placed.set(id, zone);
    for (let i = 0; i < ids.length; i += per) {
      const block: Block = { el: h('div', { class: 'tiles' }), ids: ids.slice(i, i + per), rendered: false };
      const rows = Math.ceil(block.ids.length / this.cols);
      this.blockOf.set(block.el, block);
      z.blocks.push(block);
      z.body.append(block.el);
      if (budget > 0 || wasRendered[z.blocks.length - 1]) this.render(block);
      else {
        block.el.style.height = `${rows * this.rowPx}px`;
        this.io.observe(block.el);
      }
      budget -= rows * this.rowPx;
    }
    z.shown = ids.length;
    z.count.textContent = `(${ids.length})`;
    return budget;
  }

  private render(block: Block): void {
    if (block.rendered) return;
    block.rendered = true;
    this.io.unobserve(block.el);
    const html: string[] = [];
    for (const id of block.ids) {
      const hs = this.model.hosts.get(id);
      if (hs) html.push(tileHtml(hs));
    }
    block.el.style.height = '';
    block.el.innerHTML = html.join('');
    for (const el of block.el.children) this.tiles.set((el as HTMLElement).dataset.id!, el as HTMLAnchorElement);
  }
}
