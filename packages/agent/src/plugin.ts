import type { AgentMessageIn, Clock, CoordinatorMessage, Heartbeat, Hello, Logger } from '@vigil/shared';
import type { Cadence } from './cadence.js';
import type { AgentConfig } from './config.js';
import type { Welcome } from './connection.js';

export type DeclaredService = NonNullable<Hello['services']>[number];

/** What a plugin adds to every Hello. */
export interface HelloExtras {
  readonly services?: readonly DeclaredService[];
  readonly capabilities?: readonly string[];
  /** The event journal's epoch (Hello.event_epoch); the plugin that keeps the journal sets it. */
  readonly eventEpoch?: string;
}

/**
 * What a plugin adds to every heartbeat. List fields (`collectors`, `services`,
 * `findings`, ...) are appended to what the core and other plugins put there; any other
 * field is set only if still empty. `seq` and `sentAtMs` belong to the core alone.
 */
export type HeartbeatExtras = Partial<Omit<Heartbeat, 'seq' | 'sentAtMs'>>;

/** Coordinator message kinds beyond the handshake and acks: requests a plugin serves. */
export type RequestKind = Exclude<NonNullable<CoordinatorMessage['body']>, 'welcome' | 'ack'>;

/** Handlers for request kinds, keyed by the message's `body`. */
export type RequestHandlers = {
  readonly [K in RequestKind]?: (request: NonNullable<CoordinatorMessage[K]>, ctx: AgentContext) => void;
};

/** What the agent offers a plugin. */
export interface AgentContext {
  readonly config: AgentConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The grid periodic work on the host is scheduled on, phased by host id (cadence.ts). */
  readonly cadence: Cadence;
  /** The current coordinator's Welcome (capabilities, last stored seqs), if connected. */
  welcome(): Welcome | undefined;
  /** Whether the current coordinator listed `capability` in its Welcome. */
  coordinatorSupports(capability: string): boolean;
  /** True when connected and the stream's send buffer has room. */
  canSend(): boolean;
  /** Sends on the current stream; false when not connected or backed up (nothing sent). */
  send(msg: AgentMessageIn): boolean;
}

/**
 * A feature that rides on the agent's stream (service watchers, log findings, probes,
 * recovery, event replay). Every hook is optional and isolated: a throwing hook is
 * logged and skipped, it never breaks a heartbeat or the connection.
 */
export interface AgentPlugin {
  readonly name: string;
  start?(ctx: AgentContext): void | Promise<void>;
  stop?(): void | Promise<void>;
  hello?(): HelloExtras;
  heartbeat?(): HeartbeatExtras;
  /** Request kinds this plugin serves; each kind should have one plugin. */
  readonly requests?: RequestHandlers;
  /** Sees every coordinator message after the core has handled it, Welcome included. */
  onMessage?(msg: CoordinatorMessage): void;
  /** A stream was welcomed: e.g. replay journaled events newer than `welcome.lastEventSeq`. */
  onConnected?(welcome: Welcome): void;
  onDisconnected?(reason: Error): void;
  /** The stream's send buffer has room again after `send` returned false. */
  onDrain?(): void;
}
