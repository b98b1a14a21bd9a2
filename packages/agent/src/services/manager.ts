/**
 * One interface over the ways a service can be run (systemd unit, child process), so the
 * recovery engine runs the same logic for real and under test.
 */

/** `running` = up; `starting` = on its way up; `inactive` = stopped cleanly; `failed` = died or could not start. */
export type ServiceState = 'running' | 'starting' | 'inactive' | 'failed';

export interface ServiceStatus {
  state: ServiceState;
  /** The service's own processes (main PID first when known). */
  pids: number[];
  /** When the service entered this state (epoch ms), when known. */
  since?: number;
  /** Why, in a few words (exit code, signal, sub-state). */
  detail?: string;
  /**
   * How the last run ended, where the manager's status says it (systemd): the signal that
   * ended the main process (`SIGKILL`), systemd's `Result=` (`oom-kill`, `signal`, ...) and
   * the main process's pid. A process service's end comes with its exit notice instead.
   */
  ended?: { signal?: string; result?: string; pid?: number };
}

export interface StopResult {
  /** True when none of the service's processes was left when `stop` returned. */
  exited: boolean;
  /** True when they had to be killed after the grace period. */
  forced: boolean;
  /** How long `stop` waited for them. */
  waitedMs: number;
}

export interface ExitNotice {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Epoch ms. */
  at: number;
}

export interface LogLine {
  /** Epoch ms. */
  at: number;
  stream: 'stdout' | 'stderr' | 'journal';
  text: string;
}

/** What `adopt` found. */
export type AdoptOutcome =
  | { adopted: true; pid: number; pgid: number; since: number; detail: string }
  | { adopted: false; detail: string; /** A live copy running another command, stopped so the new one can start. */ stoppedPid?: number };

/** Returned by every subscription: call it to unsubscribe. */
export type Unsubscribe = () => void;

export interface ServiceManager {
  /** The `manager:` of its kind (a ManagerKind; kept a string so kinds can refer to this interface). */
  readonly kind: string;
  /** The service's name, for messages. */
  readonly name: string;
  status(): Promise<ServiceStatus>;
  /** Starts the service; resolves once the start was issued (not when it is serving). */
  start(): Promise<void>;
  /**
   * Stops the service and waits up to `graceMs` for its processes to exit; returns at once
   * when none is left. A process service is killed (SIGKILL to its group) after the grace.
   */
  stop(graceMs: number): Promise<StopResult>;
  /** SIGKILL to the service's own processes only (never a name match). */
  forceKill(): Promise<void>;
  /** Clears a failed state and start rate limits (`systemctl reset-failed`). */
  resetFailed(): Promise<void>;
  /** Reloads unit files (`systemctl daemon-reload`); nothing for a process service. */
  daemonReload(): Promise<void>;
  restart(): Promise<void>;
  /** The service's own processes right now. */
  pids(): Promise<number[]>;
  /** Immediate notice that the service's main process ended; not available for systemd (polled). */
  onExit(cb: (notice: ExitNotice) => void): Unsubscribe;
  /** Lines the service logged since `sinceMs` (epoch ms), oldest first. */
  recentLogs(sinceMs: number): Promise<LogLine[]>;
  /** Every line as the manager captures it (process services); systemd's journal is followed elsewhere. */
  onLog(cb: (line: LogLine) => void): Unsubscribe;
  /**
   * Takes over a live copy of the service that an earlier agent started and left behind
   * (it crashed or was killed), instead of starting a second one. Only managers whose
   * services die with the agent's ownership have it (process); a systemd unit outlives
   * the agent by design and is simply read.
   */
  adopt?(): Promise<AdoptOutcome>;
  /** Releases what the manager holds. A process service is killed; a systemd unit is left as it is. */
  close(): Promise<void>;
  /**
   * Lets go of a running service without stopping it, for the next agent to adopt (a
   * graceful stop of the agent: a restart, an upgrade). Only managers with `adopt` have it;
   * where the next agent could not find the service again it stops it, as `close` does.
   */
  release?(): Promise<void>;
}
