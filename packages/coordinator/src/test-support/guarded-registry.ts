import type { Clock, Logger } from '@vigil/shared';
import { SilenceDetector } from '../detector/silence-detector.js';
import { HeartbeatWriter } from '../registry/heartbeat-writer.js';
import { HostRegistry } from '../registry/host-registry.js';
import { AgentEventStore } from '../store/agent-event-store.js';
import type { Db } from '../store/db.js';
import { HostStore } from '../store/host-store.js';
import type { StoreWriteGuard } from '../store/write-guard.js';

/**
 * A registry on a real store whose writes go through `guard`, with a detector that sweeps
 * on the fake clock: what the registry's store tests (a full disk, batched rows) share.
 */
export function guardedRegistry(db: Db, clock: Clock, guard: StoreWriteGuard, log: Logger) {
  const hostStore = new HostStore(db);
  const events = new AgentEventStore(db);
  const writer = new HeartbeatWriter(db, hostStore, undefined, undefined, undefined, guard);
  const detector: SilenceDetector = new SilenceDetector(clock, (v) => registry.onSilent(v), { sweepMs: 100, deferSweep: false });
  const registry: HostRegistry = new HostRegistry(
    clock,
    hostStore,
    writer,
    detector,
    (t) => hostStore.recordTransition(t),
    { disconnectGraceMs: 1000, restartGraceMs: 15_000, detectionWindowMs: (i) => 3 * i, storeGuard: guard },
    log,
    events,
  );
  /** Stops the timers of all of them and closes the store. */
  const close = (): void => {
    registry.stop();
    detector.stop();
    guard.stop();
    db.close();
  };
  return { registry, hostStore, events, writer, detector, close };
}
