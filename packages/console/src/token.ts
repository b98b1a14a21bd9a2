/**
 * The API token lives in session storage: entered once per tab, gone when the tab
 * closes, never put in a URL (where it would reach logs and history).
 */
const KEY = 'vigil.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (token: string): void => sessionStorage.setItem(KEY, token),
  clear: (): void => sessionStorage.removeItem(KEY),
};
