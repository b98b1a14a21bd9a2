import * as grpc from '@grpc/grpc-js';

/**
 * What grpc-js does not report of a dial: the moment its TCP connection is up, before TLS
 * and the coordinator's HTTP/2 SETTINGS. A coordinator whose host answered but whose
 * process has not taken the connection yet (its kernel's accept queue during a reconnect
 * storm) is busy, not gone; telling the two apart needs this moment.
 *
 * It wraps the channel's credentials: grpc-js hands every new TCP socket to the credentials'
 * connector (`_createSecureConnector().connect`) before TLS, so the wrapper sees it and then
 * delegates everything to the credentials it wraps. One per client; `onConnected` is set by
 * the dial that uses the client.
 */
export class TcpWatchCredentials extends grpc.ChannelCredentials {
  onConnected: (() => void) | undefined;

  constructor(private readonly inner: grpc.ChannelCredentials) {
    super();
  }

  override _isSecure(): boolean {
    return this.inner._isSecure();
  }

  override _equals(other: grpc.ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(...args: Parameters<grpc.ChannelCredentials['_createSecureConnector']>): ReturnType<grpc.ChannelCredentials['_createSecureConnector']> {
    const connector = this.inner._createSecureConnector(...args);
    return {
      connect: (socket) => {
        this.onConnected?.();
        return connector.connect(socket);
      },
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  }
}

/**
 * Calls `onReady` once the channel is READY: grpc-js reports READY when the coordinator's
 * HTTP/2 SETTINGS arrived, that is when its process took the connection. Stops watching
 * when `stop()` turns true or the channel shuts down. Never calls back from inside the
 * call (a dialer's events are asynchronous), even for a channel READY already.
 */
export function whenReady(channel: ReturnType<grpc.Client['getChannel']>, stop: () => boolean, onReady: () => void): void {
  const check = (): void => {
    if (stop()) return;
    const state = channel.getConnectivityState(false);
    if (state === grpc.connectivityState.READY) return onReady();
    if (state === grpc.connectivityState.SHUTDOWN) return;
    // A deadline is required; on expiry the callback gets an error and the watch is renewed.
    channel.watchConnectivityState(state, Date.now() + 60_000, () => check());
  };
  queueMicrotask(check);
}
