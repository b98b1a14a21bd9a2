import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { classWords, clock, pct, relative } from '../format.js';
import type { IncidentDetail, ProbeResult, Vantage } from '../types.js';
import { retryingLoad } from '../retry-load.js';
import { decisionTree } from './tree.js';
import type { View } from './view.js';

const probe = (p: ProbeResult | undefined): HTMLElement => {
  if (!p) return h('td', { class: 'muted' }, '—');
  const detail = p.error || p.refused || (p.lossPercent !== undefined && p.rttAvgMs ? `${p.lossPercent} % loss, ${p.rttAvgMs.toFixed(1)} ms` : '') || p.banner || (p.addresses?.join(', ') ?? '');
  return h('td', { class: p.ok ? 'ok' : 'bad' }, p.ok ? 'ok' : 'failed', detail ? h('small', {}, ` ${detail}`) : '');
};

function vantages(list: Vantage[]): HTMLElement {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h('caption', {}, 'What each vantage saw'),
      h('thead', {}, h('tr', {}, ['vantage', 'healthy', 'ping', 'ssh', 'dns', 'service ports'].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        list.map((v) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, v.vantage, h('small', {}, ` ${v.kind}`)),
            h('td', { class: v.healthy ? 'ok' : 'bad' }, v.healthy ? 'yes' : `no${v.error ? `: ${v.error}` : ''}`),
            probe(v.ping),
            probe(v.ssh),
            probe(v.dns),
            h('td', {}, Object.entries(v.ports ?? {}).map(([port, r]) => h('span', { class: `badge ${r.ok ? 'sv-ok' : 'sv-failed'}` }, `${port} ${r.ok ? 'ok' : 'failed'}`))),
          ),
        ),
      ),
    ),
  );
}

/** A form that posts once, shows the API's answer, and reloads the incident. */
function actionForm(label: string, fields: HTMLElement[], submit: () => Promise<unknown>, done: () => void, say: (msg: string, bad?: boolean) => void): HTMLElement {
  const button = h('button', { type: 'submit', class: 'primary' }, label);
  const form = h('form', { class: 'action' }, fields, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      await submit();
      say(`${label}: done.`);
      done();
    } catch (err) {
      say(err instanceof ApiError ? `${label} refused (${err.status}): ${err.message}` : `${label} failed: ${(err as Error).message}`, true);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

const field = (id: string, label: string, input: HTMLElement) => h('label', { for: id }, label, input);

/** One incident: what, where, how far it escalated, why (tree, vantages, root cause), what happened, and the operator's buttons. */
export const incidentView: View = (root, ctx) => {
  const id = ctx.params.id!;
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const message = h('p', { class: 'message', role: 'status', 'aria-live': 'polite' });
  root.append(h('p', {}, h('a', { href: '/incidents' }, '← Incidents')), body);
  let ticker: ReturnType<typeof setInterval> | null = null;

  const say = (msg: string, bad = false) => {
    message.textContent = msg;
    message.className = `message${bad ? ' bad' : ''}`;
  };

  const draw = (i: IncidentDetail) => {
    const deadline = h('span', {});
    const tick = () => (deadline.textContent = i.nextEscalationAt ? `next level ${relative(i.nextEscalationAt)} (${clock(i.nextEscalationAt)})` : i.level >= 3 ? 'at the top level' : 'no further escalation');
    tick();
    if (ticker) clearInterval(ticker);
    ticker = setInterval(tick, 1000);
    const d = i.diagnosis;
    const path = d?.path ?? d?.verdict?.path ?? [];
    const rc = i.rootCause;
    const ackComment = h('input', { id: 'ack-comment', type: 'text', maxlength: 2000, placeholder: 'optional' });
    const resolveComment = h('input', { id: 'resolve-comment', type: 'text', maxlength: 2000, required: true, placeholder: 'how it was resolved' });
    const silenceFor = h('select', { id: 'silence-for' }, ['30m', '1h', '4h', '1d'].map((x) => h('option', { value: x }, x)));
    const silenceComment = h('input', { id: 'silence-comment', type: 'text', maxlength: 2000, required: true, placeholder: 'why' });
    const reload = () => loader.run();
    const actions =
      i.state === 'resolved'
        ? h('p', { class: 'muted' }, `Resolved by ${i.resolvedBy ?? '?'} ${relative(i.resolvedAt)}: ${i.resolution ?? ''}`)
        : h(
            'div',
            { class: 'actions' },
            i.state === 'open' ? actionForm('Acknowledge', [field('ack-comment', 'Comment', ackComment)], () => ctx.api.ack(i.id, ackComment.value), reload, say) : '',
            actionForm('Resolve', [field('resolve-comment', 'Resolution', resolveComment)], () => ctx.api.resolve(i.id, resolveComment.value), reload, say),
            actionForm(
              'Silence',
              [field('silence-for', 'For', silenceFor), field('silence-comment', 'Why', silenceComment)],
              () => ctx.api.silence({ host: i.hostId, ...(i.service ? { service: i.service } : {}), class: i.class, duration: silenceFor.value, comment: silenceComment.value }),
              reload,
              say,
            ),
          );
    body.replaceChildren(
      h('h1', {}, i.summary || classWords[i.class] || i.class),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'State'),
        h('dd', {}, h('span', { class: `pill is-${i.state}`, id: 'incident-state' }, i.state), i.acknowledgedBy ? ` by ${i.acknowledgedBy} ${relative(i.acknowledgedAt)}` : '', i.silenced ? ' · silenced' : '', i.flapping ? ' · flapping' : ''),
        h('dt', {}, 'Escalation'),
        h('dd', {}, h('span', { class: 'lvl' }, `level ${i.level}`), ' · ', deadline),
        h('dt', {}, 'Host'),
        h('dd', {}, h('a', { href: `/hosts/${encodeURIComponent(i.hostId)}` }, i.hostId), i.service ? ` · service ${i.service}` : ''),
        h('dt', {}, 'Class'),
        h('dd', {}, `${classWords[i.class] ?? i.class} (confidence ${pct(i.confidence)})`),
        h('dt', {}, 'Opened'),
        h('dd', {}, `${clock(i.openedAt)} (${relative(i.openedAt)})`),
        i.parentId ? [h('dt', {}, 'Explained by'), h('dd', {}, h('a', { href: `/incidents/${encodeURIComponent(i.parentId)}` }, i.parentId))] : '',
      ),
      h('section', { 'aria-labelledby': 'h-actions' }, h('h2', { id: 'h-actions' }, 'Actions'), actions, message),
      rc
        ? h(
            'section',
            { class: 'rootcause', 'aria-labelledby': 'h-rc' },
            h('h2', { id: 'h-rc' }, 'Root cause: ', rc.cause),
            h('dl', { class: 'facts' }, h('dt', {}, 'Diagnosis'), h('dd', {}, rc.diagnosis), h('dt', {}, 'Fix'), h('dd', {}, rc.fix), h('dt', {}, 'Prevention'), h('dd', {}, rc.prevention)),
            rc.excerpt ? h('pre', { class: 'excerpt' }, rc.excerpt) : '',
          )
        : '',
      path.length > 0
        ? h(
            'section',
            { 'aria-labelledby': 'h-tree' },
            h('h2', { id: 'h-tree' }, 'Decision path'),
            d?.reason ? h('p', { class: 'muted' }, `Diagnosed because: ${d.reason}${d.next ? ` · next step: ${d.next.replace(/_/g, ' ')}` : ''}`) : '',
            decisionTree(path, d?.verdict?.outcome ?? { class: i.class, confidence: i.confidence }),
          )
        : h('section', {}, h('h2', {}, 'Decision path'), h('p', { class: 'muted' }, 'No diagnosis recorded for this incident.')),
      d?.vantages?.length ? h('section', {}, h('h2', {}, 'Vantages'), vantages(d.vantages)) : '',
      d?.findings?.length || d?.facts
        ? h(
            'section',
            {},
            h('h2', {}, 'Facts'),
            h('ul', { class: 'findings' }, (d.findings ?? []).map((f) => h('li', {}, f))),
            d.facts ? h('p', { class: 'facts-line' }, Object.entries(d.facts).map(([k, v]) => h('code', { class: v === null ? 'muted' : '' }, `${k}=${Array.isArray(v) ? v.length : String(v)}`))) : '',
          )
        : '',
      h(
        'section',
        { 'aria-labelledby': 'h-tl' },
        h('h2', { id: 'h-tl' }, 'Timeline'),
        h('ol', { class: 'timeline' }, i.timeline.map((t) => h('li', { class: `tl-${t.kind}` }, h('time', { datetime: t.at }, clock(t.at)), ' ', h('span', { class: 'kind' }, t.kind.replace(/_/g, ' ')), ' ', t.summary))),
      ),
    );
  };

  let last = '';
  const load = async () => {
    try {
      const i = await ctx.api.incident(id);
      // Redraw only on a change: a redraw would take the keyboard focus away.
      const text = JSON.stringify(i);
      if (text === last) return;
      last = text;
      draw(i);
    } catch (err) {
      body.replaceChildren(h('p', { class: 'bad' }, `Could not load incident ${id}: ${(err as Error).message}`));
      // Drawn again whole once a retry gets through.
      last = '';
      throw err;
    }
  };
  const loader = retryingLoad(load);
  loader.run();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsubscribe = ctx.live.subscribe({
    incident: (e) => {
      // Only this incident's events (or a poll tick) redraw; a form being typed in is kept.
      const p = e.payload as { data?: { incidentId?: string; id?: string } } | null;
      const about = p?.data?.incidentId ?? p?.data?.id;
      if (e.subject !== 'poll' && about !== undefined && about !== id) return;
      if (root.contains(document.activeElement) && document.activeElement?.tagName === 'INPUT' && (document.activeElement as HTMLInputElement).value) return;
      if (!timer) timer = setTimeout(() => ((timer = null), loader.run()), 300);
    },
  });
  return () => {
    loader.stop();
    unsubscribe();
    if (timer) clearTimeout(timer);
    if (ticker) clearInterval(ticker);
  };
};
