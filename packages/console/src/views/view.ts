import type { Api } from '../api.js';
import type { Live } from '../live.js';

export interface ViewContext {
  api: Api;
  live: Live;
  navigate(path: string): void;
  /** Route parameters, e.g. the incident id. */
  params: Record<string, string>;
}

/** Draws a page into `root`; returns what to undo when the page is left. */
export type View = (root: HTMLElement, ctx: ViewContext) => () => void;
