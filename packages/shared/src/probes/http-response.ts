/**
 * An HTTP/1.x response read off a socket, for the plain-HTTP exchange (http-plain.ts):
 * the status, then the body counted (never kept) until the response is complete.
 *
 * Complete as RFC 9112 section 6.3 says: no body after 1xx (informational responses are skipped),
 * 204 and 304; a chunked body at its last chunk and trailers; a Content-Length body at its
 * length; otherwise at the end of the connection (`end`).
 */
export class HttpResponseError extends Error {}

type State =
  | { kind: 'head'; text: string }
  | { kind: 'length'; left: number }
  | { kind: 'chunk-size'; line: string }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end'; line: string }
  | { kind: 'trailers'; line: string }
  | { kind: 'until-close' }
  | { kind: 'done' };

/** A head bigger than this is refused (Node's http client allows 16 KiB too). */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_LINE = 1024;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/;

function notStatusLine(line: string): HttpResponseError {
  return new HttpResponseError(`not an HTTP/1.x status line: ${JSON.stringify(line.slice(0, 60))}`);
}

export class HttpResponseReader {
  status: number | null = null;
  statusText = '';
  bodyBytes = 0;
  private state: State = { kind: 'head', text: '' };

  /** The head (status line and headers) has been read. */
  get headed(): boolean {
    return this.status !== null && this.state.kind !== 'head';
  }

  get complete(): boolean {
    return this.state.kind === 'done';
  }

  /** Takes the next bytes of the connection. @throws HttpResponseError on a malformed response */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.state.kind !== 'done') at = this.step(chunk, at);
  }

  /** The connection ended: completes a body that runs until close. @throws HttpResponseError when the response was cut short */
  end(): void {
    const s = this.state;
    if (s.kind === 'done') return;
    if (s.kind === 'until-close') {
      this.state = { kind: 'done' };
      return;
    }
    if (s.kind === 'head') throw new HttpResponseError(this.status === null && s.text === '' ? 'the connection closed before any response' : 'the connection closed inside the response head');
    throw new HttpResponseError(`the connection closed before the body was complete (${this.bodyBytes} bytes read)`);
  }

  /** Consumes from `at` for the current state; returns where it stopped. */
  private step(chunk: Buffer, at: number): number {
    const s = this.state;
    switch (s.kind) {
      case 'head': {
        // latin1: one character per byte, so offsets in the text are offsets in the bytes.
        const text = s.text + chunk.toString('latin1', at, Math.min(chunk.length, at + MAX_HEAD_BYTES + 4));
        const stop = headEnd(text);
        if (stop === -1) {
          // Something else answering (an SSH banner, TLS, a database) is told at once, as
          // node:http does, not after the head limit or the connection's end.
          const nl = text.indexOf('\n');
          if (!'HTTP/'.startsWith(text.slice(0, 5)) || (nl !== -1 && !STATUS_LINE.test(text.slice(0, nl).replace(/\r$/, '')))) {
            throw notStatusLine(text.slice(0, nl === -1 ? undefined : nl).replace(/\r$/, ''));
          }
          if (text.length > MAX_HEAD_BYTES) throw new HttpResponseError(`response head longer than ${MAX_HEAD_BYTES} bytes`);
          s.text = text;
          return chunk.length;
        }
        if (stop.headLength > MAX_HEAD_BYTES) throw new HttpResponseError(`response head longer than ${MAX_HEAD_BYTES} bytes`);
        const consumed = stop.next - s.text.length;
        this.head(text.slice(0, stop.headLength));
        return at + consumed;
      }
      case 'length': {
        const n = Math.min(s.left, chunk.length - at);
        this.bodyBytes += n;
        s.left -= n;
        if (s.left === 0) this.state = { kind: 'done' };
        return at + n;
      }
      case 'until-close':
        this.bodyBytes += chunk.length - at;
        return chunk.length;
      case 'chunk-data': {
        const n = Math.min(s.left, chunk.length - at);
        this.bodyBytes += n;
        s.left -= n;
        if (s.left === 0) this.state = { kind: 'chunk-end', line: '' };
        return at + n;
      }
      case 'chunk-size':
      case 'chunk-end':
      case 'trailers': {
        const nl = chunk.indexOf(0x0a, at);
        const upto = nl === -1 ? chunk.length : nl;
        s.line += chunk.toString('latin1', at, upto);
        if (s.line.length > MAX_LINE) throw new HttpResponseError(`chunked body: a line longer than ${MAX_LINE} bytes`);
        if (nl === -1) return chunk.length;
        const line = s.line.endsWith('\r') ? s.line.slice(0, -1) : s.line;
        s.line = '';
        this.line(s.kind, line);
        return nl + 1;
      }
      case 'done':
        return chunk.length;
    }
  }

  private line(kind: 'chunk-size' | 'chunk-end' | 'trailers', line: string): void {
    if (kind === 'chunk-end') {
      if (line !== '') throw new HttpResponseError('chunked body: data longer than its chunk size');
      this.state = { kind: 'chunk-size', line: '' };
      return;
    }
    if (kind === 'trailers') {
      if (line === '') this.state = { kind: 'done' };
      return;
    }
    const size = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(line);
    if (!size) throw new HttpResponseError(`chunked body: bad chunk size "${line.slice(0, 40)}"`);
    const n = Number.parseInt(size[1]!, 16);
    this.state = n === 0 ? { kind: 'trailers', line: '' } : { kind: 'chunk-data', left: n };
  }

  private head(text: string): void {
    const lines = text.split(/\r?\n/);
    const statusLine = STATUS_LINE.exec(lines[0] ?? '');
    if (!statusLine) throw notStatusLine(lines[0] ?? '');
    const status = Number(statusLine[1]);
    // 100 Continue, 102, 103 Early Hints: the real response follows.
    if (status >= 100 && status < 200 && status !== 101) {
      this.state = { kind: 'head', text: '' };
      return;
    }
    this.status = status;
    this.statusText = statusLine[2] ?? '';
    let length: number | undefined;
    let chunked = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new HttpResponseError(`bad header line "${line.slice(0, 60)}"`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) throw new HttpResponseError(`bad Content-Length "${value.slice(0, 40)}"`);
        const n = Number(value);
        if (length !== undefined && length !== n) throw new HttpResponseError(`two different Content-Length headers (${length} and ${n})`);
        length = n;
      }
    }
    if (status === 101 || status === 204 || status === 304) this.state = { kind: 'done' };
    else if (chunked) this.state = { kind: 'chunk-size', line: '' };
    else if (length !== undefined) this.state = length === 0 ? { kind: 'done' } : { kind: 'length', left: length };
    else this.state = { kind: 'until-close' };
  }
}

/** Where the head ends in `text` (the blank line) and where the body begins, or -1. */
function headEnd(text: string): { headLength: number; next: number } | -1 {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { headLength: crlf, next: crlf + 4 };
  if (lf !== -1) return { headLength: lf, next: lf + 2 };
  return -1;
}
