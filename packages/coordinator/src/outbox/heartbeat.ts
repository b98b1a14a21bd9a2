import { hostToken, makeCloudEvent, SUBJECT_ROOT, type Clock, type TimerHandle } from '@vigil/shared';

/** What the heartbeat goes out on: a plain NATS publish, dropped while disconnected. */
export interface HeartbeatTransport {
  publishNow(subject: string, payload: string): boolean;
}

export function coordinatorHeartbeatSubject(coordinatorId: string): string {
  return `${SUBJECT_ROOT}.coordinator.heartbeat.${hostToken(coordinatorId)}`;
}

/**
 * Says "this coordinator is alive and can publish" every `intervalMs` on
 * `vigil.v1.coordinator.heartbeat.<id>`, so a dead man's switch (vigil-notify's) can page
 * when no coordinator is heard: a monitoring system that died must not look like a quiet
 * night. Not through the outbox: a heartbeat held back and sent late would say the wrong
 * thing, so one that cannot go out now is dropped.
 */
export function startCoordinatorHeartbeat(t: HeartbeatTransport, clock: Clock, opts: { coordinatorId: string; source: string; intervalMs: number }): { stop(): void } {
  const subject = coordinatorHeartbeatSubject(opts.coordinatorId);
  let timer: TimerHandle | undefined;
  let stopped = false;
  const beat = () => {
    if (stopped) return;
    const now = clock.now();
    t.publishNow(subject, JSON.stringify(makeCloudEvent({ source: opts.source, type: 'vigil.v1.coordinator.heartbeat', subject: opts.coordinatorId, time: new Date(now), data: { coordinatorId: opts.coordinatorId, intervalMs: opts.intervalMs } })));
    timer = clock.setTimeout(beat, opts.intervalMs);
  };
  beat();
  return {
    stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
    },
  };
}
