import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_DURATION_MS, durationMs, formatDuration, hostIdProblem, isValidHostId, normalizeHostId, parseDuration, parseHostPort } from '@vigil/shared';
import { fuzz, messageOf, oddString, textOf, fuzzTimeout } from './fuzz.js';

/** Longest refusal that still reads as one line: the value is quoted cut, never whole. */
const MAX_MESSAGE = 400;

const durationText = fc.oneof(
  oddString(),
  textOf(['0', '1', '5', '999999999', '1.5', '.', '-', 'ms', 's', 'm', 'h', 'd', ' ', 'e3'], ['']),
  fc.tuple(fc.double({ noNaN: false }), fc.constantFrom('ms', 's', 'm', 'h', 'd', '')).map(([n, u]) => `${n}${u}`),
);

describe('fuzz - durations', () => {
  it('parseDuration returns a bounded whole number of ms or throws an Error quoting the value cut short', () => {
    fuzz('parseDuration', 3000, durationText, (text) => {
      let ms: number;
      try {
        ms = parseDuration(text);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
        expect(messageOf(err).length).toBeLessThanOrEqual(MAX_MESSAGE);
        expect(messageOf(err)).toContain(JSON.stringify(text).slice(0, 15));
        return;
      }
      expect(Number.isInteger(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
    });
  }, fuzzTimeout());

  it('formatDuration and parseDuration round-trip every whole number of ms', () => {
    fuzz('formatDuration round trip', 2000, fc.integer({ min: 0, max: 365 * 86_400_000 }), (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    });
  }, fuzzTimeout());

  it('the durationMs schema never throws; a refusal is one issue quoting a capped value', () => {
    fuzz('durationMs schema', 3000, fc.oneof(durationText, fc.double(), fc.anything()), (v) => {
      const r = durationMs.safeParse(v);
      if (r.success) {
        expect(Number.isSafeInteger(r.data)).toBe(true);
        expect(r.data).toBeGreaterThanOrEqual(0);
        expect(r.data).toBeLessThanOrEqual(MAX_CONFIG_DURATION_MS);
        return;
      }
      for (const issue of r.error.issues) expect(issue.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
    });
  }, fuzzTimeout());
});

describe('fuzz - host ids and addresses', () => {
  const hostText = fc.oneof(
    oddString(300),
    fc.domain(),
    textOf(['a', 'web-1', 'Example', 'com', '-', '0', 'x'.repeat(63), 'x'.repeat(64)], ['.', '']),
  );

  it('hostIdProblem is total and agrees with isValidHostId; a valid id normalises to a valid id', () => {
    fuzz('host id', 3000, hostText, (id) => {
      const problem = hostIdProblem(id);
      expect(isValidHostId(id)).toBe(problem === undefined);
      if (problem !== undefined) {
        expect(problem.length).toBeLessThanOrEqual(MAX_MESSAGE);
        return;
      }
      const n = normalizeHostId(id);
      expect(hostIdProblem(n)).toBeUndefined();
      expect(normalizeHostId(n)).toBe(n);
    });
  }, fuzzTimeout());

  it('parseHostPort returns a port 0-65535 or throws an Error quoting the value cut short', () => {
    const text = fc.oneof(
      oddString(),
      fc.tuple(fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), oddString(20)), fc.oneof(fc.nat(), fc.string())).map(([h, p]) => `${h}:${p}`),
    );
    fuzz('parseHostPort', 3000, text, (t) => {
      try {
        const { host, port } = parseHostPort(t);
        expect(Number.isInteger(port) && port >= 0 && port <= 65_535).toBe(true);
        expect(host.length).toBeGreaterThan(0);
        expect(host.length).toBeLessThanOrEqual(253);
        expect(host).not.toMatch(/\s/);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
        expect(messageOf(err).length).toBeLessThanOrEqual(MAX_MESSAGE);
      }
    });
  }, fuzzTimeout());
});
