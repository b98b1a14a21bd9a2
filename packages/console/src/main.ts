import './style.css';
import { Api } from './api.js';
import { h } from './dom.js';
import { Live } from './live.js';
import { match, route } from './router.js';
import { tokenStore } from './token.js';
import { fleetView } from './views/fleet.js';
import { hostView } from './views/host.js';
import { incidentView } from './views/incident.js';
import { incidentsView } from './views/incidents.js';
import { loginView } from './views/login.js';

const routes = [route('/', fleetView, 'Fleet'), route('/incidents', incidentsView, 'Incidents'), route('/incidents/:id', incidentView, 'Incident'), route('/hosts/:id', hostView, 'Host')];

const app = document.getElementById('app')!;
const main = h('main', { id: 'main', tabindex: '-1' });
const liveBadge = h('span', { class: 'live', id: 'live', role: 'status' }, 'connecting');
let unmount: (() => void) | null = null;
let live: Live | null = null;

const signOut = (reason = '') => {
  tokenStore.clear();
  live?.stop();
  live = null;
  unmount?.();
  unmount = null;
  loginView(app, (token) => {
    tokenStore.set(token);
    start();
  }, reason);
};

const api = new Api(tokenStore.get, () => signOut('The token was refused; enter it again.'));

function navigate(path: string, push = true): void {
  if (push) history.pushState(null, '', path);
  render();
}

function render(): void {
  if (!live) return;
  unmount?.();
  main.replaceChildren();
  const m = match(routes, location.pathname);
  for (const a of document.querySelectorAll('nav a')) a.toggleAttribute('aria-current', a.getAttribute('href') === (m?.route.title === 'Incident' ? '/incidents' : location.pathname));
  if (!m) {
    main.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '/' }, 'Back to the fleet')));
    unmount = null;
    return;
  }
  document.title = `${m.route.title} · Vigil`;
  unmount = m.route.view(main, { api, live, navigate, params: m.params });
  main.focus({ preventScroll: true });
}

function start(): void {
  live = new Live(api, tokenStore.get);
  live.subscribe({
    mode: (mode, detail) => {
      liveBadge.textContent = mode;
      liveBadge.title = detail;
      liveBadge.className = `live m-${mode}`;
      if (mode === 'signed-out') signOut('The token was refused; enter it again.');
    },
  });
  app.replaceChildren(
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h(
      'header',
      {},
      h('a', { class: 'brand', href: '/' }, 'Vigil'),
      h('nav', { 'aria-label': 'Main' }, h('a', { href: '/' }, 'Fleet'), h('a', { href: '/incidents' }, 'Incidents')),
      liveBadge,
      h('button', { type: 'button', class: 'quiet', onclick: () => signOut() }, 'Sign out'),
    ),
    main,
  );
  live.start();
  render();
}

// Same-origin links move inside the page; modified clicks still open new tabs.
document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest?.('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || a.target || url.hash) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
addEventListener('popstate', () => render());

if (tokenStore.get()) start();
else signOut();
