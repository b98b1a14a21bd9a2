import { VigilError } from '@vigil/shared';

/** Hosts per page of `GET /v1/hosts` when no limit is given. */
export const DEFAULT_HOST_PAGE = 500;

/**
 * The cursor of `GET /v1/hosts`: the id of the last host of the page, opaque to clients.
 * Pages are by id, so hosts added or removed between requests shift no other host to
 * another page and none is listed twice.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof v.after === 'string') return v.after;
  } catch {
    // Falls through to the error below.
  }
  throw new VigilError('BAD_REQUEST', `query.cursor: not a cursor this API gave (got ${JSON.stringify(cursor.slice(0, 40))}); pass nextCursor of the previous page`);
}

/** One page of `items` (sorted by id) after the cursor, with the cursor of the next one. */
export function pageById<T extends { id: string }>(items: readonly T[], limit: number, cursor: string | undefined): { page: T[]; nextCursor?: string } {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const start = after === undefined ? 0 : firstAfter(items, after);
  const page = items.slice(start, start + limit);
  return start + limit < items.length && page.length > 0 ? { page, nextCursor: encodeCursor(page[page.length - 1]!.id) } : { page };
}

/** Index of the first item whose id sorts after `id` (binary search). */
function firstAfter<T extends { id: string }>(items: readonly T[], id: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
