import * as grpc from '@grpc/grpc-js';
import { loadProto, type AgentMessageIn, type CoordinatorMessage } from '@vigil/shared';
import type { CoordinatorTarget } from './config.js';
import type { CredentialsFor } from './credentials.js';
import { TcpWatchCredentials, whenReady } from './dial-stages.js';
import { retryPushbackOf } from './retry-pushback.js';
import type { CoordinatorStream, Dialer, StreamEvents } from './transport.js';

/**
 * Channel options for every coordinator client.
 * - Own subchannel pool: grpc-js otherwise shares one TCP connection between clients with
 *   the same target and options, and closing one client's stream state would leak into
 *   another's.
 * - Keepalive pings every 10 s, failing after 5 s without an answer, even with no call in
 *   flight: a coordinator that vanished without a FIN (power loss, partition) is noticed
 *   in about 15 s instead of after the kernel's TCP timeout.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
};

/**
 * Dials with a fresh client per attempt and closes it with the stream. Reusing a client
 * would inherit its channel's own reconnect backoff, so a coordinator that just came back
 * could be refused for up to a minute by a stale TRANSIENT_FAILURE state.
 *
 * One exception: a stream the coordinator sent away with a retry hint (Hello admission in a
 * connect storm) ended on a connection that works. That client is kept, and the next dial
 * to the same coordinator opens its stream on it, so coming back when told costs the
 * coordinator a new stream, not another TCP and TLS handshake among thousands. It is kept
 * only while its channel is READY or IDLE (never in a failure backoff), and closed by a
 * dial to another coordinator or by `close`.
 */
export function createGrpcDialer(credentials: grpc.ChannelCredentials | CredentialsFor, channelOptions: grpc.ChannelOptions = CHANNEL_OPTIONS): Dialer {
  const AgentService = loadProto().vigil.v1.AgentService;
  const credentialsFor: CredentialsFor = typeof credentials === 'function' ? credentials : () => ({ credentials, options: {} });
  type AgentClient = InstanceType<typeof AgentService>;
  let kept: { address: string; client: AgentClient } | undefined;
  /** Each client's credentials wrapper, which tells its dial when TCP is up. */
  const watches = new WeakMap<AgentClient, TcpWatchCredentials>();
  const takeKept = (address: string): AgentClient | undefined => {
    const k = kept;
    kept = undefined;
    if (!k) return undefined;
    const state = k.client.getChannel().getConnectivityState(false);
    if (k.address === address && (state === grpc.connectivityState.READY || state === grpc.connectivityState.IDLE)) return k.client;
    k.client.close();
    return undefined;
  };
  return {
    dial(target: CoordinatorTarget, events: StreamEvents): CoordinatorStream {
      const forTarget = credentialsFor(target);
      let client = takeKept(target.address);
      if (!client) {
        const watch = new TcpWatchCredentials(forTarget.credentials);
        client = new AgentService(target.address, watch, { ...channelOptions, ...forTarget.options });
        watches.set(client, watch);
      }
      let closed = false;
      const watch = watches.get(client);
      if (watch) watch.onConnected = () => !closed && events.onConnected?.();
      const call = client.Connect();
      // The Welcome wait starts when the coordinator took the connection (docs/architecture.md).
      whenReady(client.getChannel(), () => closed, () => events.onTaken?.());
      const close = (error: Error | undefined): void => {
        if (closed) return;
        closed = true;
        if (retryPushbackOf(error) !== undefined) {
          kept?.client.close();
          kept = { address: target.address, client };
        } else client.close();
        events.onClose(error);
      };
      call.on('data', (msg: CoordinatorMessage) => {
        if (!closed) events.onMessage(msg);
      });
      call.on('drain', () => events.onDrain());
      // 'error' carries the status for every non-OK end; 'status' covers a clean OK end.
      call.on('error', (err: Error) => close(err));
      call.on('status', (status: grpc.StatusObject) => {
        if (status.code === grpc.status.OK) close(undefined);
      });
      return {
        write: (msg: AgentMessageIn) => call.write(msg),
        end: () => call.end(),
        cancel: () => call.cancel(),
      };
    },
    close(): void {
      kept?.client.close();
      kept = undefined;
    },
  };
}
