import { Api, ApiError } from '../api.js';
import { h } from '../dom.js';

/**
 * Asks for the API token once per tab. It is checked against the API before it is kept
 * (in session storage, never in the URL).
 */
export function loginView(root: HTMLElement, onToken: (token: string) => void, reason = ''): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const message = h('p', { class: 'message bad', role: 'alert' }, reason);
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': 'h-login' },
    h('h1', { id: 'h-login' }, 'Vigil console'),
    h('p', {}, 'Enter an API token (viewer to look, operator to acknowledge, resolve and silence). It is kept in this tab only.'),
    h('label', { for: 'token' }, 'API token'),
    input,
    button,
    message,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    button.disabled = true;
    message.textContent = '';
    try {
      await new Api(() => token, () => undefined).request('GET', '/v1/incidents?limit=1');
      onToken(token);
    } catch (err) {
      message.textContent = err instanceof ApiError && err.status === 401 ? 'That token is not valid here.' : `Could not check the token: ${(err as Error).message}`;
    } finally {
      button.disabled = false;
    }
  });
  root.replaceChildren(form);
  input.focus();
}
