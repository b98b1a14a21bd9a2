/**
 * What `vigil` exits with, so scripts can branch on the kind of failure. Stable: a script
 * written against these keeps working.
 */
export const EXIT = {
  /** Done. */
  OK: 0,
  /** The coordinator failed (5xx), answered something unreadable, or could not be reached. */
  API: 1,
  /** The command line, the config or the request was wrong (bad flag, bad value, HTTP 400). */
  USAGE: 2,
  /** The host, incident, silence or service does not exist (HTTP 404). */
  NOT_FOUND: 3,
  /** The token was refused (HTTP 401) or may not do this (HTTP 403). */
  AUTH: 4,
  /** The state does not allow it (HTTP 409): already resolved, agent not connected, ... */
  CONFLICT: 5,
  /** Interrupted (Ctrl-C, SIGTERM) before the answer was complete; `watch` ends with 0 instead. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of an HTTP status the coordinator answered with. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 400 || status === 413 || status === 422) return EXIT.USAGE;
  if (status === 401 || status === 403) return EXIT.AUTH;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 409) return EXIT.CONFLICT;
  return EXIT.API;
}
