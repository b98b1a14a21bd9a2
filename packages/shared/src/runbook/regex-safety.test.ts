import { describe, expect, it } from 'vitest';
import { RUNBOOK_LOG_PATTERNS } from './log-patterns.js';
import { regexHazard } from './regex-safety.js';

const NESTED = /contains another repetition/;
const ALTERNATION = /alternatives that can start with the same character/;
const BACKREF = /back-reference/;

describe('regex safety - unsafe shapes are named', () => {
  const unsafe: [string, string, RegExp][] = [
    ['^(a+)+$', '', NESTED],
    ['(a*)*', '', NESTED],
    ['(a+)*b', '', NESTED],
    ['(\\w+\\s?)*$', '', NESTED],
    ['(.*a){10}', '', NESTED],
    ['(a+){2,}', '', NESTED],
    ['(?:x(?:y|z)+)+', '', NESTED],
    ['(a?){30}a{30}', '', NESTED],
    ['(?:[a-z]+\\.)+com', '', NESTED],
    ['(?<word>\\d+,)*x', '', NESTED],
    ['^(a|a)*$', '', ALTERNATION],
    ['(a|ab)*c', '', ALTERNATION],
    ['(\\w|\\d)+', '', ALTERNATION],
    ['(?:foo|bar|fizz)+x', '', ALTERNATION],
    ['(?:A|a)+x', 'i', ALTERNATION],
    ['(?:[^x]|y)*z', '', ALTERNATION],
    ['(?:.|a)*end', '', ALTERNATION],
    ['(?:x(?:ab|ac))*', '', ALTERNATION],
    ['(?:\\s|\\t)*x', '', ALTERNATION],
    ['(?:é|è)*x', 'u', ALTERNATION],
    ['(a)\\1', '', BACKREF],
    ['(?<q>["\'])x\\k<q>', '', BACKREF],
  ];
  it.each(unsafe)('%s (flags %j) is refused', (source, flags, why) => {
    expect(() => new RegExp(source, flags)).not.toThrow();
    expect(regexHazard(source, flags)).toMatch(why);
  });

  it('names the repeated part in the reason', () => {
    expect(regexHazard('^(a+)+$')).toContain('the repeated part "(a+)+" contains another repetition "a+"');
    expect(regexHazard('x(a|ab)*c')).toContain('the repeated part "(a|ab)*"');
  });
});

describe('regex safety - linear shapes pass', () => {
  const safe: [string, string][] = [
    ['connection (refused|reset) by peer', 'i'],
    ['ECONNREFUSED \\d+\\.\\d+', ''],
    ['^\\w+: error \\[\\d{3}\\]', ''],
    ['(?:foo|bar)+x', ''],
    ['(?:ab)+', ''],
    ['(?:a{3})*b', ''],
    ['(a|b)*c', ''],
    ['(?:[a-f]|[0-9])+', ''],
    ['(?:\\d|\\s)+', ''],
    ['(?:.|\\n)*end', ''],
    ['(?:x(?:y|z))*', ''],
    ['(?: \\(oom\\))?: kill', ''],
    ['(?:a+)?b', ''],
    ['a{2,5}b+c*', ''],
    ['[(+*]{2}\\(x\\)', ''],
    ['\\x41\\u0042\\u{43}\\cJ\\0', 'u'],
    ['\\p{L}+ failed', 'u'],
    ['x{', ''],
    ['[]a]+', ''],
    ['(?=a)a+(?!b)', ''],
    ['\\bfatal\\b.*$', 'm'],
  ];
  it.each(safe)('%s (flags %j) is accepted', (source, flags) => {
    expect(() => new RegExp(source, flags)).not.toThrow();
    expect(regexHazard(source, flags)).toBeUndefined();
  });

  it("passes every pattern of the runbook's own table", () => {
    const regexes = RUNBOOK_LOG_PATTERNS.flatMap((row) => row.patterns).filter((p) => typeof p !== 'string');
    expect(regexes.length).toBeGreaterThan(0);
    for (const p of regexes) expect(regexHazard(p.regex, p.flags), p.regex).toBeUndefined();
  });
});

describe('regex safety - random patterns', () => {
  it('never throws, and every pattern it accepts stays fast on backtracking-prone lines', () => {
    let seed = 20261203;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T,>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
    const atoms = ['a', 'b', ' ', '.', '\\w', '\\s', '\\d', '[ab]', '[^b]'];
    const quantifiers = ['', '', '*', '+', '?', '{2}', '{1,3}', '{2,}', '+?'];
    const term = (depth: number): string => {
      const body = depth > 0 && rnd(3) === 0 ? group(depth - 1) : pick(atoms);
      return body + pick(quantifiers);
    };
    const sequence = (depth: number): string => Array.from({ length: 1 + rnd(3) }, () => term(depth)).join('');
    const group = (depth: number): string => `(${rnd(2) ? '?:' : ''}${Array.from({ length: 1 + rnd(3) }, () => sequence(depth)).join('|')})`;
    const lines = [`${'a'.repeat(28)}!`, `${'ab'.repeat(14)}!`, `${'a '.repeat(14)}!`, `${' '.repeat(28)}!`, `${'1'.repeat(28)}!`];
    let refused = 0;
    let accepted = 0;
    for (let k = 0; k < 5_000; k++) {
      const source = `${rnd(2) ? '^' : ''}${sequence(2)}${rnd(2) ? '$' : ''}`;
      const flags = rnd(4) === 0 ? 'i' : '';
      const re = new RegExp(source, flags);
      if (regexHazard(source, flags) !== undefined) {
        refused++;
        continue;
      }
      accepted++;
      for (const line of lines) {
        const started = performance.now();
        re.test(line);
        // Exponential backtracking on 28 characters takes seconds to minutes; a linear match
        // microseconds: 1 s leaves room for a loaded machine and still tells them apart.
        expect(performance.now() - started, `${source} /${flags} on ${line}`).toBeLessThan(1000);
      }
    }
    expect(refused).toBeGreaterThan(500);
    expect(accepted).toBeGreaterThan(500);
  });
});
