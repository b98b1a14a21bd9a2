/**
 * How every Vigil program connects to NATS (the coordinator's outbox link, vigil-notify):
 * reconnect for ever at a quick, jittered pace, and find a dead server within ~10 s by
 * pings, so a NATS restart is a short gap rather than a stuck client. Plain data, so this
 * package needs no NATS client; each program spreads it into its client's `connect()`.
 */
export const NATS_CONNECT_OPTIONS = {
  reconnect: true,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  reconnectJitter: 100,
  pingInterval: 5000,
  maxPingOut: 2,
  timeout: 2000,
} as const;
