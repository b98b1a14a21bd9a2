import type { View } from './views/view.js';

export interface Route {
  pattern: RegExp;
  names: string[];
  view: View;
  title: string;
}

export const route = (path: string, view: View, title: string): Route => {
  const names: string[] = [];
  const pattern = new RegExp(`^${path.replace(/:(\w+)/g, (_m, n: string) => (names.push(n), '([^/]+)'))}/?$`);
  return { pattern, names, view, title };
};

export function match(routes: Route[], pathname: string): { route: Route; params: Record<string, string> } | null {
  for (const r of routes) {
    const m = r.pattern.exec(pathname);
    if (m) return { route: r, params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
  }
  return null;
}
