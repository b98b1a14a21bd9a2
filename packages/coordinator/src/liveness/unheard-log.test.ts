import { describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import { pino } from 'pino';
import { UnheardLog } from './unheard-log.js';

describe('unheard datagrams log', () => {
  it('writes the first stream of each 10 s in full and counts the others into the next line', () => {
    const clock = new FakeClock();
    const lines: { host: string; moreSinceLastLine: number; msg: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const u = new UnheardLog(clock, log);
    for (let i = 0; i < 5000; i++) u.report(`h${i}`, 'heard', 2100, 1250);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ host: 'h0', moreSinceLastLine: 0 });
    expect(lines[0]!.msg).toContain('from h0 for 2100 ms');
    clock.advance(10_000);
    u.report('h-late', 'pending', 3000, 1250);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ host: 'h-late', moreSinceLastLine: 4999 });
    expect(lines[1]!.msg).toContain('4999 more streams likewise');
  });
});
