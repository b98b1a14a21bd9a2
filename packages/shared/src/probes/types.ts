import type { Clock } from '../clock.js';

/**
 * The detail each probe kind reports, by kind. Each probe's file adds its own entry
 * (`declare module './types.js' { interface ProbeDetails { ping: PingDetail } }`), so the
 * kinds, `ProbeKind` and `ProbeDetail` are listed nowhere else; the PROBES table
 * (table.ts) must then hold one probe per kind.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ProbeDetails {}

/** The only things a probe can do. There is deliberately no way to run a command. */
export type ProbeKind = keyof ProbeDetails;

/** A request after validation: every field is checked and the object is frozen. */
export interface ProbeRequest {
  readonly id: string;
  readonly kind: ProbeKind;
  /** IP literal or host name; never starts with '-', never holds spaces or shell characters. */
  readonly target: string;
  readonly port?: number;
  /** Only for `http`; without it the probe asks `http://{target}[:{port}]/`. */
  readonly url?: string;
  /** Budget of the probe; each kind has its own default. */
  readonly timeoutMs?: number;
}

/**
 * Stable reasons a probe failed or was refused. Consumers match on these, not on the
 * wording of `message`.
 */
export type ProbeErrorCode =
  /** The request itself was wrong; `message` names the field and the value. */
  | 'invalid_request'
  /** Too many probes running and queued already. */
  | 'busy'
  /** More probes asked for than the rate allows. */
  | 'rate_limited'
  /** The runner was closed before or while the probe ran. */
  | 'stopped'
  | 'timeout'
  | 'refused'
  | 'reset'
  | 'unreachable'
  /** The name does not resolve. */
  | 'not_found'
  /** Connected, but no `SSH-` identification line arrived. */
  | 'no_banner'
  /** ping: loss at or above the runbook's 25 %. */
  | 'packet_loss'
  /** http: a status outside 2xx/3xx. */
  | 'http_status'
  | 'tls'
  /** Any other network failure. */
  | 'network'
  /** A fault of the probe itself (ping missing, unexpected exception). */
  | 'internal';

export interface ProbeError {
  readonly code: ProbeErrorCode;
  readonly message: string;
}

/** What ping's closing statistics count. Rtt fields are null when no reply arrived. */
export interface PingCounts {
  readonly transmitted: number;
  readonly received: number;
  readonly lossPercent: number;
  readonly rttMinMs: number | null;
  readonly rttAvgMs: number | null;
  readonly rttMaxMs: number | null;
  readonly rttMdevMs: number | null;
  /** ICMP errors (e.g. Destination Host Unreachable) that came back instead of replies. */
  readonly errors?: number;
  readonly duplicates?: number;
}

export interface PingDetail extends PingCounts {
  readonly kind: 'ping';
  /** ping's exit status; null when it was killed. */
  readonly exitCode: number | null;
}

export interface SshDetail {
  readonly kind: 'ssh';
  readonly port: number;
  /** The server's identification line without CR LF, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2`. */
  readonly banner: string | null;
  readonly connectMs: number | null;
  /** From connection to the banner's end of line. */
  readonly bannerMs: number | null;
}

export interface DnsDetail {
  readonly kind: 'dns';
  /** True when the target is an IP literal: there is nothing to resolve. */
  readonly skipped: boolean;
  readonly addresses: readonly string[];
}

export interface TcpDetail {
  readonly kind: 'tcp';
  readonly port: number;
  readonly connectMs: number | null;
}

export interface HttpDetail {
  readonly kind: 'http';
  readonly url: string;
  readonly status: number | null;
  /** Until the response headers arrived. */
  readonly headersMs: number | null;
  /** Until the body ended or its read cap was reached: the runbook's response time. */
  readonly responseMs: number | null;
  readonly bodyBytes: number;
  /** The body was longer than the read cap; the rest was not read. */
  readonly bodyTruncated: boolean;
}

export type ProbeDetail = ProbeDetails[ProbeKind];

/**
 * What the runner answers for every request, valid or not. `kind` and `target` echo the
 * request (capped) even when it was invalid; `detail` is null when no probe ran.
 */
export interface ProbeResult {
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly ok: boolean;
  /** Wall-clock time the probe started (Unix ms); when it was answered, for refusals. */
  readonly startedAtMs: number;
  /** Time the probe ran, not counting time spent queued. 0 when no probe ran. */
  readonly durationMs: number;
  /** Time spent waiting for a free slot. */
  readonly queuedMs: number;
  readonly detail: ProbeDetail | null;
  readonly error?: ProbeError;
}

/** What a probe reports; the runner adds identity and timing. */
export interface ProbeOutcome<D extends ProbeDetail = ProbeDetail> {
  readonly ok: boolean;
  readonly detail: D;
  readonly error?: ProbeError;
}

export interface ProbeContext {
  /** The probe's budget; it should give up by itself at this point. */
  readonly timeoutMs: number;
  /** Aborted when the runner's hard deadline passes or the runner closes. */
  readonly signal: AbortSignal;
  /** For the probe's own phase timers. */
  readonly clock: Clock;
  /** Monotonic milliseconds, for measuring phases. */
  readonly now: () => number;
}

/** The fields of the contract's ProbeResult message that carry a probe's detail. */
export interface ProbeWireDetail {
  transmitted: number;
  received: number;
  lossPercent: number;
  rttAvgMs: number;
  banner: string;
  addresses: string[];
  statusCode: number;
  /** `skipped` when the probe had nothing to do (refusals are set by the runner's error). */
  refused: string;
}

/** One probe kind. Adding a kind is one file exporting this and one line in PROBES (table.ts). */
export interface Probe<K extends ProbeKind = ProbeKind> {
  readonly kind: K;
  /** The request must name a port (tcp). @default false */
  readonly needsPort?: boolean;
  /** The request may carry a url (http). @default false */
  readonly takesUrl?: boolean;
  /** Caps what the detail carries from a possibly hostile host. @default the detail as is */
  capDetail?(detail: Extract<ProbeDetail, { kind: K }>): Extract<ProbeDetail, { kind: K }>;
  /** The detail's fields in the contract's ProbeResult message; the rest stay zero/empty. @default none */
  toWire?(detail: Extract<ProbeDetail, { kind: K }>): Partial<ProbeWireDetail>;
  /** Budget when the request names none. */
  readonly defaultTimeoutMs: number;
  /** Smallest budget that makes sense for the kind (ping's deadline is whole seconds). */
  readonly minTimeoutMs: number;
  run(request: ProbeRequest, ctx: ProbeContext): Promise<ProbeOutcome<Extract<ProbeDetail, { kind: K }>>>;
}

export type ProbeTable = { readonly [K in ProbeKind]: Probe<K> };
