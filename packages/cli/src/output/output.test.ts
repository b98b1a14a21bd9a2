import { describe, expect, it } from 'vitest';
import { COLOURS, useColour, visibleLength } from './color.js';
import { ago } from './format.js';
import { sparkline } from './sparkline.js';
import { table } from './table.js';

describe('cli output - tables and colour', () => {
  it('columns line up, measured without colour escapes; the last column is not padded', () => {
    const out = table(['A', 'STATE', 'NOTE'], [['web-1', COLOURS.green('online'), 'x'], ['db-10', 'silent', '']]);
    const lines = out.split('\n');
    expect(lines[0]).toBe('A      STATE   NOTE');
    expect(lines[1]).toBe(`web-1  ${COLOURS.green('online')}  x`);
    expect(lines[2]).toBe('db-10  silent');
    expect(visibleLength(lines[1]!)).toBe('web-1  online  x'.length);
  });

  it('colour only on a terminal, never with NO_COLOR set (non-empty), --no-color, TERM=dumb or JSON', () => {
    const base = { isTTY: true, env: {}, noColorFlag: false, json: false };
    expect(useColour(base)).toBe(true);
    expect(useColour({ ...base, isTTY: false })).toBe(false);
    expect(useColour({ ...base, env: { NO_COLOR: '1' } })).toBe(false);
    expect(useColour({ ...base, env: { NO_COLOR: '' } })).toBe(true);
    expect(useColour({ ...base, env: { TERM: 'dumb' } })).toBe(false);
    expect(useColour({ ...base, noColorFlag: true })).toBe(false);
    expect(useColour({ ...base, json: true })).toBe(false);
  });

  it('sparklines scale between min and max; a flat series is flat', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 5, 5])).toBe('▁▁▁');
    expect(sparkline([])).toBe('');
  });

  it('ages', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect([ago('2026-12-03T11:59:48Z', now), ago('2026-12-03T11:57:00Z', now), ago('2026-12-03T09:00:00Z', now), ago('2026-12-03T10:00:01Z', now), ago('2026-11-29T12:00:00Z', now), ago('2026-11-29T09:00:00Z', now), ago(null, now)]).toEqual(['12s ago', '3m ago', '3h ago', '1h59m ago', '4d ago', '4d3h ago', '-']);
  });
});
