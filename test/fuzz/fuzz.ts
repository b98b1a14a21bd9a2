import fc from 'fast-check';

/**
 * Settings shared by every fuzz target: a fixed seed, so a failure seen once is seen again
 * on every run (and its counterexample can be kept as a unit test), and a run count small
 * enough that the whole set stays well under a minute on two busy cores.
 *
 * `VIGIL_FUZZ_RUNS` scales it for a long run: `20x` multiplies every target's count, a
 * bare number sets every target to that many inputs. `VIGIL_FUZZ_SEED` replays another seed.
 */
export const FUZZ_SEED = Number(process.env['VIGIL_FUZZ_SEED'] ?? 20261203);

export function fuzzRuns(base: number): number {
  const spec = process.env['VIGIL_FUZZ_RUNS']?.trim();
  if (!spec) return base;
  const times = /^(\d+(?:\.\d+)?)x$/.exec(spec);
  if (times) return Math.max(1, Math.round(base * Number(times[1])));
  if (/^\d+$/.test(spec)) return Math.max(1, Number(spec));
  throw new Error(`VIGIL_FUZZ_RUNS="${spec}" is neither a count (500) nor a factor (20x)`);
}

/** A test's time limit for a fuzz target, grown with VIGIL_FUZZ_RUNS so a long run is not cut short. */
export function fuzzTimeout(baseMs = 30_000): number {
  return Math.max(baseMs, Math.ceil((baseMs * fuzzRuns(1000)) / 1000));
}

/**
 * Checks `predicate` on `base` (scaled) inputs drawn from `arb`, with the shared seed, and
 * prints how many it tried as a `[measure] fuzz <target>: N inputs` line. The predicate
 * fails by throwing (an `expect`), so a throw that escapes the parser fails it too.
 */
export function fuzz<T>(target: string, base: number, arb: fc.Arbitrary<T>, predicate: (value: T) => void): void {
  let tried = 0;
  const started = performance.now();
  try {
    fc.assert(
      fc.property(arb, (v) => {
        tried++;
        predicate(v);
      }),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(base) },
    );
  } finally {
    report(target, tried, started);
  }
}

/** `fuzz` for a predicate that awaits (an HTTP request, a stream). */
export async function fuzzAsync<T>(target: string, base: number, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>): Promise<void> {
  let tried = 0;
  const started = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (v) => {
        tried++;
        await predicate(v);
      }),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(base) },
    );
  } finally {
    report(target, tried, started);
  }
}

function report(target: string, tried: number, started: number): void {
  console.log(`[measure] fuzz ${target}: ${tried} inputs in ${Math.round(performance.now() - started)} ms`);
}

/** Strings as parsers meet them: printable, full Unicode, control characters and lone surrogates. */
export const oddString = (maxLength = 200): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.constantFrom('', ' ', '\n', '\r\n', '\0', '\u2028', '\ud800', '=', ':', '-', '9'.repeat(400), 'NaN', 'Infinity', '1e309', '-0', '0x10', '__proto__', 'constructor'),
  );

/** Text built from the given pieces (tokens of a format) and odd strings, joined by the format's separators. */
export function textOf(pieces: readonly string[], separators: readonly string[], maxPieces = 60): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pieces) }, { weight: 1, arbitrary: oddString(40) }, { weight: 2, arbitrary: fc.constantFrom(...separators) }), { maxLength: maxPieces })
    .map((parts) => parts.join(''));
}

/** The first line of a message, for asserting how a refusal reads. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Captured real output, damaged the ways a read can damage it: cut anywhere, a line
 * dropped or repeated, a span overwritten with odd text, numbers blown up. Starting from
 * real output reaches the parser's deeper branches, which random text rarely does.
 */
export function mutated(samples: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.record({ t: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ t: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ t: fc.constant('repeat' as const), at: fc.nat(), times: fc.integer({ min: 2, max: 50 }) }),
    fc.record({ t: fc.constant('put' as const), at: fc.nat(), len: fc.nat({ max: 12 }), text: oddString(24) }),
    fc.record({ t: fc.constant('number' as const), at: fc.nat(), text: fc.constantFrom('-1', '1.5', '1e309', '9'.repeat(40), 'NaN', '0x1f', '', ' ', '18446744073709551615') }),
  );
  return fc.tuple(fc.constantFrom(...samples), fc.array(edit, { maxLength: 4 })).map(([sample, edits]) => {
    let s = sample;
    for (const e of edits) {
      const lines = s.split('\n');
      const i = lines.length > 0 ? e.at % lines.length : 0;
      switch (e.t) {
        case 'cut':
          s = s.slice(0, e.at % (s.length + 1));
          break;
        case 'drop':
          lines.splice(i, 1);
          s = lines.join('\n');
          break;
        case 'repeat':
          lines.splice(i, 0, ...Array<string>(e.times).fill(lines[i] ?? ''));
          s = lines.join('\n');
          break;
        case 'put': {
          const at = e.at % (s.length + 1);
          s = s.slice(0, at) + e.text + s.slice(at + e.len);
          break;
        }
        case 'number': {
          let n = 0;
          s = s.replace(/\d+/g, (d) => (n++ === e.at % 64 ? e.text : d));
          break;
        }
      }
    }
    return s;
  });
}

/** Asserts a refusal is an Error whose message is one bounded line (the value quoted cut short). */
export function expectClearError(err: unknown, maxChars = 400): void {
  if (!(err instanceof Error)) throw new Error(`threw a non-Error: ${String(err)}`);
  if (err.message.length === 0 || err.message.length > maxChars) {
    throw new Error(`refusal message is ${err.message.length} characters (expected 1-${maxChars}): ${err.message.slice(0, 200)}`);
  }
}
