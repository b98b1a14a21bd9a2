import { describe, expect, it } from 'vitest';
import { PollPace } from './poll-pace.js';

const pace = () => new PollPace({ fastMs: 250, slowMs: 2000, retrustAfter: 3 });

describe('poll pace', () => {
  it('fast without a watch, slow once one starts, fast again when it is lost', () => {
    const p = pace();
    expect([p.state.type, p.intervalMs()]).toEqual(['unwatched', 250]);
    p.watchStarted();
    expect([p.state.type, p.intervalMs()]).toEqual(['trusted', 2000]);
    p.watchLost();
    expect([p.state.type, p.intervalMs()]).toEqual(['unwatched', 250]);
  });

  it('a change the poll found with no notification before the next tick is a miss; the first one restarts the watch', () => {
    const p = pace();
    p.watchStarted();
    p.changeFound('poll', 1000);
    expect(p.tick()).toBe('restart-watch');
    expect([p.state.type, p.intervalMs(), p.misses]).toEqual(['doubted', 250, 1]);
    p.changeFound('poll', 1250);
    expect(p.tick()).toBe('ok');
    expect([p.state.type, p.misses]).toEqual(['doubted', 2]);
  });

  it('a notification after the poll found the change (a race) or during its pass announces it', () => {
    const p = pace();
    p.watchStarted();
    p.changeFound('poll', 1000);
    p.notified(1001);
    expect(p.tick()).toBe('ok');
    p.notified(2000);
    p.changeFound('poll', 2000);
    expect(p.tick()).toBe('ok');
    expect([p.state.type, p.misses]).toEqual(['trusted', 0]);
  });

  it('trust comes back after three announced changes in a row, and a miss between them starts the count again', () => {
    const p = pace();
    p.watchStarted();
    p.changeFound('poll', 0);
    p.tick();
    p.changeFound('notification', 10);
    p.changeFound('notification', 20);
    p.changeFound('poll', 30);
    p.tick();
    p.changeFound('notification', 40);
    p.changeFound('notification', 50);
    expect(p.state.type).toBe('doubted');
    p.changeFound('notification', 60);
    expect(p.state.type).toBe('trusted');
  });

  it('without a watch nothing is counted', () => {
    const p = pace();
    p.changeFound('poll', 0);
    p.notified(1);
    expect(p.tick()).toBe('ok');
    expect([p.state.type, p.misses]).toEqual(['unwatched', 0]);
  });
});
