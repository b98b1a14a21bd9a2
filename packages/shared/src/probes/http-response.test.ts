import { describe, expect, it } from 'vitest';
import { HttpResponseError, HttpResponseReader, MAX_HEAD_BYTES } from './http-response.js';

type Read = { status: number | null; statusText: string; bodyBytes: number; complete: boolean };

/** Feeds `raw` in pieces cut at `cuts`, then ends the connection if `close`. */
function read(raw: string | Buffer, cuts: number[] = [], close = true): Read {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1');
  const r = new HttpResponseReader();
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    if (!r.complete) r.push(bytes.subarray(from, at));
    from = at;
  }
  if (close) r.end();
  return { status: r.status, statusText: r.statusText, bodyBytes: r.bodyBytes, complete: r.complete };
}

const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfine\r\na;ext=1\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('HttpResponseReader', () => {
  it('reads a Content-Length body and is complete at its length, before the connection ends', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine', [], false)).toEqual({ status: 200, statusText: 'OK', bodyBytes: 4, complete: true });
  });

  it('counts a chunked body as its decoded bytes, through chunk extensions and trailers', () => {
    expect(read(CHUNKED, [], false)).toEqual({ status: 200, statusText: 'OK', bodyBytes: 14, complete: true });
  });

  it('reads a body without length or chunking until the connection ends', () => {
    expect(read('HTTP/1.0 200 OK\r\n\r\nsome body', [], false)).toMatchObject({ bodyBytes: 9, complete: false });
    expect(read('HTTP/1.0 200 OK\r\n\r\nsome body')).toMatchObject({ bodyBytes: 9, complete: true });
  });

  it('expects no body after 204 and 304, and none after Content-Length: 0', () => {
    expect(read('HTTP/1.1 204 No Content\r\n\r\n', [], false)).toMatchObject({ status: 204, complete: true });
    expect(read('HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n', [], false)).toMatchObject({ status: 304, complete: true, bodyBytes: 0 });
    expect(read('HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n', [], false)).toMatchObject({ status: 302, complete: true });
  });

  it('skips informational responses to the real one', () => {
    expect(read('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nno', [], false))
      .toEqual({ status: 503, statusText: 'Service Unavailable', bodyBytes: 2, complete: true });
  });

  it('takes bare LF line ends and a status without a reason', () => {
    expect(read('HTTP/1.1 200\nContent-Length: 2\n\nok', [], false)).toEqual({ status: 200, statusText: '', bodyBytes: 2, complete: true });
  });

  it('gives the same result wherever the bytes are cut', () => {
    for (const raw of [CHUNKED, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', 'HTTP/1.1 200 OK\nContent-Length: 3\n\nabc']) {
      const whole = read(raw, [], false);
      for (let i = 1; i < raw.length; i++) expect(read(raw, [i], false), `cut at ${i}`).toEqual(whole);
      for (let i = 1; i < raw.length - 1; i++) expect(read(raw, [i, i + 1], false), `cut at ${i} and ${i + 1}`).toEqual(whole);
    }
  });

  it('counts binary body bytes as they are', () => {
    const body = Buffer.from([0, 0x0a, 0x0d, 0xff, 0x0a, 0x0a]);
    expect(read(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n'), body]), [], false)).toMatchObject({ bodyBytes: 6, complete: true });
  });

  it.each([
    ['SSH-2.0-OpenSSH_9.2\r\n\r\n', /not an HTTP\/1\.x status line: "SSH-2\.0-OpenSSH_9\.2"/],
    ['HTTP/2 200\r\n\r\n', /not an HTTP\/1\.x status line/],
    // Told at once, without waiting for a blank line that never comes.
    ['SSH-2.0-OpenSSH_9.2\r\n', /not an HTTP\/1\.x status line: "SSH-2\.0-OpenSSH_9\.2"/],
    ['\x16\x03\x01\x02\x00', /not an HTTP\/1\.x status line/],
    ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /bad header line "no colon here"/],
    ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad Content-Length "-1"/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', /two different Content-Length headers \(3 and 4\)/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size "zz"/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /data longer than its chunk size/],
  ])('refuses a malformed response, saying what is wrong: %j', (raw, message) => {
    expect(() => read(raw, [], false)).toThrow(HttpResponseError);
    expect(() => read(raw, [], false)).toThrow(message);
  });

  it('refuses a head longer than the limit, even when it never ends', () => {
    const endless = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    expect(() => read(endless, [100, 5000], false)).toThrow(`response head longer than ${MAX_HEAD_BYTES} bytes`);
    expect(() => read(`${endless}\r\n\r\n`, [], false)).toThrow(`response head longer than ${MAX_HEAD_BYTES} bytes`);
  });

  it('says where a response was cut short by the end of the connection', () => {
    expect(() => read('')).toThrow('the connection closed before any response');
    expect(() => read('HTTP/1.1 200 OK\r\nContent-')).toThrow('the connection closed inside the response head');
    expect(() => read('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')).toThrow('the connection closed before the body was complete (3 bytes read)');
    expect(() => read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab')).toThrow('(2 bytes read)');
  });
});
