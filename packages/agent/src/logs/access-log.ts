/** One request from an access log in the common or combined format. */
export interface AccessLogEntry {
  remoteHost: string;
  /** null where the log has "-". */
  user: string | null;
  /** Epoch milliseconds from the `[10/Oct/2000:13:55:36 -0700]` field. */
  timeMs: number;
  /** Request line parts; null when the request line is not `METHOD target PROTOCOL` (e.g. "-" or a TLS handshake on a plain port). */
  method: string | null;
  target: string | null;
  protocol: string | null;
  status: number;
  /** null where the log has "-". */
  bytes: number | null;
  /** Only in the combined format; null in the common one or where the log has "-". */
  referer: string | null;
  userAgent: string | null;
}

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
/**
 * host ident user [time] "request" status bytes, optionally "referer" "agent", optionally
 * more fields after (nginx and Apache formats often append timings).
 */
const LINE = new RegExp(`^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] ${QUOTED} (\\d{3}) (\\d+|-)(?: ${QUOTED} ${QUOTED})?(?:\\s.*)?$`);
const TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const REQUEST = /^([A-Z][A-Z0-9_-]*) (\S+) (HTTP\/\d(?:\.\d)?)$/;
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** `10/Oct/2000:13:55:36 -0700` to epoch ms; null when it is not such a time. */
export function parseAccessLogTime(text: string): number | null {
  const m = TIME.exec(text);
  if (!m) return null;
  const month = MONTHS[m[2]!];
  if (month === undefined) return null;
  const [day, year, h, min, s] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (day < 1 || day > 31 || h > 23 || min > 59 || s > 60) return null;
  const offsetMin = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  return Date.UTC(year, month, day, h, min, s) - offsetMin * 60_000;
}

const dash = (v: string | undefined): string | null => (v === undefined || v === '-' ? null : v);

/** The size field: null for "-", and for a number too large to be a response size (past 2^53, not exact). */
function bytesField(v: string): number | null {
  const n = v === '-' ? NaN : Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Parses one line of a common or combined access log. Pure; returns null for a line that
 * is not one (a malformed line is the caller's to count, never an exception).
 */
export function parseAccessLogLine(line: string): AccessLogEntry | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const timeMs = parseAccessLogTime(m[4]!);
  const status = Number(m[6]);
  if (timeMs === null || status < 100 || status > 599) return null;
  const req = REQUEST.exec(m[5]!);
  return {
    remoteHost: m[1]!,
    user: dash(m[3]),
    timeMs,
    method: req ? req[1]! : null,
    target: req ? req[2]! : null,
    protocol: req ? req[3]! : null,
    status,
    bytes: bytesField(m[7]!),
    referer: dash(m[8]),
    userAgent: dash(m[9]),
  };
}
