import type { Socket } from 'node:net';
import { connectTcp } from './connect.js';
import { probeErrorFrom } from './net-errors.js';
import { isNeverResolvable } from './target.js';
import { roundMs } from './timing.js';
import type { Probe, ProbeContext, ProbeError, ProbeOutcome, ProbeRequest, SshDetail } from './types.js';
import { capText, RESULT_CAPS } from './text-cap.js';

declare module './types.js' {
  interface ProbeDetails {
    ssh: SshDetail;
  }
}

/** RFC 4253 section 4.2: the identification line, CR LF included, is at most 255 bytes. */
export const SSH_BANNER_MAX_BYTES = 255;
/**
 * Servers may send other lines before the identification line (RFC 4253 4.2); past this
 * many bytes the peer is not an SSH server worth waiting for.
 */
export const SSH_PREAMBLE_MAX_BYTES = 8 * 1024;

export type BannerScan =
  | { readonly state: 'found'; readonly banner: string }
  | { readonly state: 'more' }
  | { readonly state: 'invalid'; readonly reason: string };

/** Control characters would garble logs and terminals; the banner is meant to be ASCII. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, '?');
}

/**
 * Looks for the `SSH-` identification line in what the server sent so far. Pure: the
 * caller feeds it everything received and reads again on `more`.
 */
export function scanSshBanner(received: Buffer): BannerScan {
  let start = 0;
  for (;;) {
    const nl = received.indexOf(0x0a, start);
    const end = nl < 0 ? received.length : nl;
    const line = received.subarray(start, end);
    const isSsh = line.subarray(0, 4).toString('latin1') === 'SSH-';
    if (isSsh && (nl >= 0 || line.length >= SSH_BANNER_MAX_BYTES)) {
      // An over-long line without its newline is still the server speaking SSH; keep its start.
      const text = line.subarray(0, SSH_BANNER_MAX_BYTES - 2).toString('utf8').replace(/\r$/, '');
      return { state: 'found', banner: printable(text) };
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  if (received.length > SSH_PREAMBLE_MAX_BYTES) {
    return { state: 'invalid', reason: `${received.length} bytes without an SSH- line` };
  }
  return { state: 'more' };
}

/** The first line a non-SSH peer sent, quoted for the error message. */
function firstLine(received: Buffer): string {
  const nl = received.indexOf(0x0a);
  const line = received.subarray(0, Math.min(nl < 0 ? received.length : nl, 80)).toString('utf8');
  return JSON.stringify(line.replace(/\r$/, ''));
}

type BannerWait = { banner: string; bannerMs: number } | { error: ProbeError };

function readBanner(socket: Socket, budgetMs: number, ctx: ProbeContext): Promise<BannerWait> {
  return new Promise((resolve) => {
    const started = ctx.now();
    let received = Buffer.alloc(0);

    const finish = (outcome: BannerWait): void => {
      ctx.clock.clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      // The probe never speaks: it hangs up as soon as it has heard enough.
      socket.destroy();
      resolve(outcome);
    };
    const missing = (why: string): ProbeError => ({
      code: 'no_banner',
      message: received.length > 0 ? `${why}; the server sent ${firstLine(received)}` : why,
    });
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const scan = scanSshBanner(received);
      if (scan.state === 'found') finish({ banner: scan.banner, bannerMs: roundMs(ctx.now() - started) });
      else if (scan.state === 'invalid') finish({ error: missing(`no SSH banner: ${scan.reason}`) });
    };
    const onEnd = (): void => finish({ error: missing('no SSH banner: the server closed the connection') });
    const onError = (err: Error): void => finish({ error: probeErrorFrom(err) });
    const onAbort = (): void => finish({ error: missing('no SSH banner: probe aborted') });

    const timer = ctx.clock.setTimeout(() => finish({ error: missing(`no SSH banner within ${ctx.timeoutMs} ms`) }), budgetMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface SshProbeOptions {
  /** Port when the request names none. @default 22 */
  defaultPort?: number;
  /** Budget for connecting and reading the banner; the runbook's `ssh -o ConnectTimeout=10`. @default 10000 */
  defaultTimeoutMs?: number;
}

/**
 * The runbook's ssh_connectivity check without credentials: connect and read the server's
 * identification line. Nothing is sent, so no login attempt shows up in the host's logs.
 */
export function createSshProbe(options: SshProbeOptions = {}): Probe<'ssh'> {
  const defaultPort = options.defaultPort ?? 22;
  return {
    kind: 'ssh',
    capDetail: (d) => ({ ...d, banner: d.banner === null ? null : capText(d.banner, RESULT_CAPS.banner) }),
    toWire: (d) => ({ banner: d.banner ?? '' }),
    defaultTimeoutMs: options.defaultTimeoutMs ?? 10_000,
    minTimeoutMs: 100,
    async run(request: ProbeRequest, ctx: ProbeContext): Promise<ProbeOutcome<SshDetail>> {
      const port = request.port ?? defaultPort;
      const failed = (error: ProbeError, connectMs: number | null = null): ProbeOutcome<SshDetail> => ({
        ok: false,
        detail: { kind: 'ssh', port, banner: null, connectMs, bannerMs: null },
        error,
      });
      if (isNeverResolvable(request.target)) {
        return failed({ code: 'not_found', message: `${request.target} is a reserved name that never resolves` });
      }
      const started = ctx.now();
      const conn = await connectTcp(request.target, port, ctx.timeoutMs, ctx);
      if (!conn.ok) return failed(conn.error);

      const budget = Math.max(0, ctx.timeoutMs - (ctx.now() - started));
      const heard = await readBanner(conn.socket, budget, ctx);
      if ('error' in heard) return failed(heard.error, conn.connectMs);
      return { ok: true, detail: { kind: 'ssh', port, banner: heard.banner, connectMs: conn.connectMs, bannerMs: heard.bannerMs } };
    },
  };
}

export const sshProbe = createSshProbe();
