/**
 * A static check that a configured log regex cannot make V8's backtracking engine take
 * super-linear time. One such pattern (`^(a+)+$` on a 35-character line) blocks the
 * agent's event loop for seconds per line, and the host goes silent; V8 offers no time
 * limit on a match, so unsafe shapes are refused at config time instead.
 *
 * The check is conservative: it refuses every pattern of the shapes below, including some
 * that would in fact run fast, and says which part is at fault so it can be rewritten.
 *
 * - a repeated part that contains a part of variable length (`(a+)+`, `(a*)*`,
 *   `(\w+\s?)*`, `(.*a){10}`): the engine may split the text between the two in
 *   exponentially many ways;
 * - a repeated alternation (at any depth inside the repeat) whose branches can start with
 *   the same character (`(a|a)*`, `(a|ab)*`, `(\w|\d)+`): each repetition may take either
 *   branch;
 * - a back-reference (`\1`, `\k<name>`): matching with one is NP-hard in general.
 *
 * Pure: parses the source (already known to compile) and inspects the tree.
 */

/** Which characters a part can start with: ASCII 0-127 one by one, 128 stands for all others. */
type CharSet = Uint8Array;
const OTHER = 128;

type Node =
  | { readonly t: 'chars'; readonly set: CharSet }
  | { readonly t: 'assert' }
  | { readonly t: 'backref' }
  | { readonly t: 'group'; readonly alts: readonly Node[][]; readonly look: boolean }
  | { readonly t: 'repeat'; readonly min: number; readonly max: number; readonly body: Node; readonly src: string };

function emptySet(): CharSet {
  return new Uint8Array(OTHER + 1);
}
function fullSet(): CharSet {
  return new Uint8Array(OTHER + 1).fill(1);
}
function setOf(pred: (c: number) => boolean, other: boolean): CharSet {
  const s = emptySet();
  for (let c = 0; c < OTHER; c++) if (pred(c)) s[c] = 1;
  s[OTHER] = other ? 1 : 0;
  return s;
}
function union(a: CharSet, b: CharSet): CharSet {
  const s = emptySet();
  for (let i = 0; i <= OTHER; i++) s[i] = a[i]! | b[i]!;
  return s;
}
function complement(a: CharSet): CharSet {
  const s = emptySet();
  // Non-ASCII stays possible on both sides: a negated class of non-ASCII letters still admits others.
  for (let i = 0; i < OTHER; i++) s[i] = a[i] ? 0 : 1;
  s[OTHER] = 1;
  return s;
}
function overlaps(a: CharSet, b: CharSet): boolean {
  for (let i = 0; i <= OTHER; i++) if (a[i] && b[i]) return true;
  return false;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isWord = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

function classEscape(ch: string): CharSet | undefined {
  switch (ch) {
    case 'd':
      return setOf(isDigit, false);
    case 'D':
      return setOf((c) => !isDigit(c), true);
    case 'w':
      return setOf(isWord, false);
    case 'W':
      return setOf((c) => !isWord(c), true);
    case 's':
      return setOf(isSpace, true);
    case 'S':
      return setOf((c) => !isSpace(c), true);
    default:
      return undefined;
  }
}

class Parser {
  private i = 0;
  private readonly ignoreCase: boolean;
  private readonly dotAll: boolean;
  private readonly unicode: boolean;

  constructor(
    private readonly src: string,
    flags: string,
  ) {
    this.ignoreCase = flags.includes('i');
    this.dotAll = flags.includes('s');
    this.unicode = flags.includes('u');
  }

  parse(): Node {
    const alts = this.alternatives();
    return { t: 'group', alts, look: false };
  }

  private alternatives(): Node[][] {
    const alts: Node[][] = [[]];
    while (this.i < this.src.length) {
      const ch = this.src[this.i]!;
      if (ch === ')') break;
      if (ch === '|') {
        this.i++;
        alts.push([]);
        continue;
      }
      alts[alts.length - 1]!.push(this.term());
    }
    return alts;
  }

  private term(): Node {
    const start = this.i;
    const atom = this.atom();
    const q = this.quantifier();
    if (!q) return atom;
    return { t: 'repeat', min: q.min, max: q.max, body: atom, src: this.src.slice(start, this.i) };
  }

  private quantifier(): { min: number; max: number } | undefined {
    const ch = this.src[this.i];
    let q: { min: number; max: number } | undefined;
    if (ch === '*') q = { min: 0, max: Infinity };
    else if (ch === '+') q = { min: 1, max: Infinity };
    else if (ch === '?') q = { min: 0, max: 1 };
    if (q) this.i++;
    else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return undefined; // a literal brace outside unicode mode
      this.i += m[0].length;
      const min = Number(m[1]);
      q = { min, max: m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]) };
    }
    if (q && this.src[this.i] === '?') this.i++; // lazy: same search space on a failing line
    return q;
  }

  private atom(): Node {
    const ch = this.src[this.i++]!;
    switch (ch) {
      case '(':
        return this.group();
      case '[':
        return { t: 'chars', set: this.charClass() };
      case '.':
        return { t: 'chars', set: this.dotAll ? fullSet() : setOf((c) => c !== 10 && c !== 13, true) };
      case '^':
      case '$':
        return { t: 'assert' };
      case '\\':
        return this.escape();
      default:
        return { t: 'chars', set: this.literal(ch.codePointAt(0)!) };
    }
  }

  private group(): Node {
    let look = false;
    if (this.src[this.i] === '?') {
      const rest = this.src.slice(this.i);
      const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>|[ims-]+:)/.exec(rest);
      const head = m ? m[0] : '?:';
      look = /^\?(?:=|!|<=|<!)$/.test(head);
      this.i += head.length;
    }
    const alts = this.alternatives();
    this.i++; // ')'
    return { t: 'group', alts, look };
  }

  private escape(): Node {
    const ch = this.src[this.i++] ?? '\\';
    if (ch === 'b' || ch === 'B') return { t: 'assert' };
    if (/[1-9]/.test(ch)) return { t: 'backref' };
    if (ch === 'k' && this.src[this.i] === '<') return { t: 'backref' };
    const cls = classEscape(ch);
    if (cls) return { t: 'chars', set: cls };
    return { t: 'chars', set: this.escapedChar(ch) };
  }

  /** The set for an escape other than a class or an assertion (`\n`, `\x41`, `\p{L}`, `\.`). */
  private escapedChar(ch: string): CharSet {
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, f: 12, '0': 0 };
    if (ch in simple) return this.literal(simple[ch]!);
    if (ch === 'p' || ch === 'P') {
      if (this.unicode && this.src[this.i] === '{') this.i = this.src.indexOf('}', this.i) + 1;
      return this.unicode ? fullSet() : this.literal(ch.charCodeAt(0));
    }
    if (ch === 'x') {
      const m = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i));
      if (m) {
        this.i += 2;
        return this.literal(parseInt(m[0], 16));
      }
    }
    if (ch === 'u') {
      const m = /^(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]+\})/.exec(this.src.slice(this.i));
      if (m) {
        this.i += m[0].length;
        return this.literal(parseInt(m[0].replace(/[{}]/g, ''), 16));
      }
    }
    if (ch === 'c' && /[A-Za-z]/.test(this.src[this.i] ?? '')) return this.literal(this.src.charCodeAt(this.i++) % 32);
    return this.literal(ch.codePointAt(0)!);
  }

  private literal(code: number): CharSet {
    const s = emptySet();
    if (code >= OTHER) {
      s[OTHER] = 1;
      return s;
    }
    s[code] = 1;
    if (this.ignoreCase && code >= 65 && code <= 90) s[code + 32] = 1;
    if (this.ignoreCase && code >= 97 && code <= 122) s[code - 32] = 1;
    return s;
  }

  /** After `[`: reads to the closing `]`, returning the characters the class admits. */
  private charClass(): CharSet {
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    let set = emptySet();
    // In JavaScript `]` closes a class even first (`[]` admits nothing).
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      const lo = this.classAtom();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length && lo.code !== undefined) {
        const save = this.i;
        this.i++;
        const hi = this.classAtom();
        if (hi.code !== undefined) {
          for (let c = lo.code; c <= Math.min(hi.code, OTHER); c++) set = union(set, this.literal(c));
          if (hi.code >= OTHER) set[OTHER] = 1;
          continue;
        }
        this.i = save;
      }
      set = union(set, lo.set);
    }
    this.i++; // ']'
    return negated ? complement(set) : set;
  }

  private classAtom(): { set: CharSet; code?: number } {
    const ch = this.src[this.i++]!;
    if (ch !== '\\') {
      const code = ch.codePointAt(0)!;
      if (code > 0xffff) this.i++;
      return { set: this.literal(code), code };
    }
    const e = this.src[this.i++] ?? '\\';
    const cls = classEscape(e);
    if (cls) return { set: cls };
    if (e === 'b') return { set: this.literal(8), code: 8 };
    if (/[1-9]/.test(e)) return { set: fullSet() }; // an octal escape outside unicode mode
    const set = this.escapedChar(e);
    const members = [...set.keys()].filter((k) => set[k]);
    return { set, code: members.length === 1 ? members[0] : undefined };
  }
}

function nullable(n: Node): boolean {
  switch (n.t) {
    case 'chars':
      return false;
    case 'assert':
    case 'backref':
      return true;
    case 'group':
      return n.look || n.alts.some((alt) => alt.every(nullable));
    case 'repeat':
      return n.min === 0 || nullable(n.body);
  }
}

function firstSet(n: Node): CharSet {
  switch (n.t) {
    case 'chars':
      return n.set;
    case 'assert':
      return emptySet();
    case 'backref':
      return fullSet();
    case 'group':
      if (n.look) return emptySet();
      return n.alts.map(seqFirst).reduce(union, emptySet());
    case 'repeat':
      return firstSet(n.body);
  }
}

function seqFirst(seq: readonly Node[]): CharSet {
  let s = emptySet();
  for (const n of seq) {
    s = union(s, firstSet(n));
    if (!nullable(n)) break;
  }
  return s;
}

/** The first hazard inside `n`; `repeat` is the source of the innermost enclosing repetition (at most 1 excluded). */
function walk(n: Node, repeat: string | undefined): string | undefined {
  switch (n.t) {
    case 'chars':
    case 'assert':
      return undefined;
    case 'backref':
      return 'a back-reference (\\1, \\k<name>) can take exponential time; match the text without referring back to a group';
    case 'group': {
      if (repeat !== undefined && n.alts.length > 1) {
        const firsts = n.alts.map(seqFirst);
        for (let a = 0; a < firsts.length; a++)
          for (let b = a + 1; b < firsts.length; b++)
            if (overlaps(firsts[a]!, firsts[b]!))
              return `the repeated part ${JSON.stringify(repeat)} has alternatives that can start with the same character, so a line can be matched in exponentially many ways; make the branches start differently or drop the repetition`;
      }
      for (const alt of n.alts)
        for (const m of alt) {
          const why = walk(m, repeat);
          if (why) return why;
        }
      return undefined;
    }
    case 'repeat': {
      if (repeat !== undefined && n.min !== n.max)
        return `the repeated part ${JSON.stringify(repeat)} contains another repetition ${JSON.stringify(n.src)}, so a line can be split between them in exponentially many ways; repeat a part of fixed length or drop the outer repetition`;
      return walk(n.body, repeat ?? (n.max > 1 ? n.src : undefined));
    }
  }
}

/**
 * Why matching `source` with `flags` may take super-linear time on some line, or
 * undefined when it cannot. `source` must already compile with `flags`.
 */
export function regexHazard(source: string, flags = ''): string | undefined {
  try {
    return walk(new Parser(source, flags).parse(), undefined);
  } catch {
    // A syntax this parser does not know: refuse rather than guess, and never crash config loading.
    return 'its syntax could not be checked for exponential backtracking; write it more simply';
  }
}
