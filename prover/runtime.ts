// The symbolic runtime: what a transformed variant file calls for each operator, condition and
// coercion (prover/transform.ts). On concrete values it does JavaScript's own thing; on
// symbolic ones it builds terms (prover/term.ts), and a branch on a symbolic condition follows
// the concrete shadow and records the condition, so the explorer can ask for an input that
// takes the other side (concolic exploration, prover/explore.ts).

import {
  BoolVal, IntVal, Sym, TWO64, Unsupported, add, and, boundsOf, eqBool, eqInt, floorDiv, ge, gt, implies, isSym, ite, le, lt,
  mul, named, neg, not, or, sub,
} from './term';

/** One decision on a symbolic condition: the condition's text, the side taken, where. */
export interface Branch {
  readonly smt: string;
  readonly taken: boolean;
  readonly where: string;
  /** The condition's value on the run's input (a forced decision may take the other side). */
  readonly shadow: boolean;
}

/**
 * How far one run may go before it is cut (its verdicts unknown, never a counterexample):
 * decisions on symbolic conditions, and loop iterations of any kind, symbolic or concrete (a loop
 * whose condition is a decision already taken, or is no decision at all, never takes a new one).
 * Counts, not clocks: a loaded machine cuts the same paths as an idle one.
 */
export interface RunLimits {
  readonly decisions: number;
  readonly iterations: number;
}

/** A shipped variant's run takes at most 22 decisions and 74 loop iterations at the full bound. */
export const RUN_LIMITS: RunLimits = { decisions: 100, iterations: 10_000 };

/** The location that occurs most often in `wheres`, and how often. */
export function mostFrequent(wheres: Iterable<string>): { readonly where: string; readonly n: number } {
  const counts = new Map<string, number>();
  let best = { where: '', n: 0 };
  for (const w of wheres) {
    const n = (counts.get(w) ?? 0) + 1;
    counts.set(w, n);
    if (n > best.n) best = { where: w, n };
  }
  return best;
}

/** The run was stopped before its end for a reason that makes its verdicts unknown. */
export class PathCut extends Error {
  constructor(message: string, readonly where?: string) {
    super(message);
    this.name = 'PathCut';
  }
}

/** The path one run takes: its decisions, the names it defined, the over-approximations it used. */
export class Path {
  readonly branches: Branch[] = [];
  /** SMT-LIB declarations and definitions of the names this path introduced. */
  readonly defs: string[] = [];
  /** Where an operation was over-approximated (a counterexample through it may be spurious). */
  readonly abstractions: string[] = [];
  private readonly seen = new Map<string, boolean>();
  /** The name of each term named so far, and each division's quotient and remainder. */
  private readonly names = new Map<string, string>();
  private readonly divisions = new Map<string, { readonly q: IntVal; readonly r: IntVal }>();
  private fresh = 0;
  /** Loop iterations this run made, per loop (its source line). */
  private iterations = 0;
  private readonly loops = new Map<string, number>();
  /** The limit this run passed, kept even if the variant caught what was thrown (a try around its loop). */
  passed?: PathCut;
  /** The last source line the runtime was called from: where a coercion of a symbolic value is reported. */
  at = '';

  /**
   * `prefix` starts every name this path defines (a formula computed on a path of its own, the
   * input rules', keeps its names apart from the run's). `forced`: the sides the first decisions
   * take, whatever the shadow says (prover/rules.ts enumerates every path of a rule that way).
   * `guard`: the definitions hold only under it (a formula that is false without it needs no
   * names otherwise: the solver does not carry them where the guard is false).
   */
  constructor(readonly limits: RunLimits, readonly prefix = '', private forced: readonly boolean[] = [], private readonly guard?: string) {}

  /** An assertion of this path's definitions, under its guard if it has one. */
  private assert(fact: string): string {
    return this.guard ? `(assert (=> ${this.guard} ${fact}))` : `(assert ${fact})`;
  }

  /** Runs again from the first decision, keeping the names defined so far (one term, one name across the runs). */
  restart(forced: readonly boolean[]): void {
    this.branches.length = 0;
    this.seen.clear();
    this.iterations = 0;
    this.loops.clear();
    this.passed = undefined;
    this.forced = forced;
  }

  /**
   * A name for `t`, defined by it: keeps terms small (the prototype's measured win). One term,
   * one name: a value the code computes twice (ul(end - 1) in begin and again in end) is the
   * same name both times, so the same condition on it is one decision, not a second to flip.
   */
  name(t: Sym, word = t.word): Sym {
    let n = this.names.get(t.smt);
    if (n === undefined) {
      n = `${this.prefix}d${this.fresh++}`;
      this.names.set(t.smt, n);
      this.defs.push(`(declare-fun ${n} () ${t.sort})${this.assert(`(= ${n} ${t.smt})`)}`);
    }
    return named(t, n, word);
  }

  /**
   * floor(x / d) and x mod d (d > 0) as names q and r defined by x = d*q + r, 0 <= r < d: z3
   * solves that far faster than its own div and mod (the prototype measured 6.6 s to 0.23 s on
   * the folio rule); the pair is a function of x, so it may stand beside any prefix of the path.
   */
  divide(x: Sym, d: bigint): { readonly q: IntVal; readonly r: IntVal } {
    const key = `${x.smt}/${d}`;
    const hit = this.divisions.get(key);
    if (hit) return hit;
    const common = commonFactor(x, d);
    if (common) {
      const { g, y } = common;
      const sub = isSym(y) && g !== d ? this.divide(y, d / g) : { q: isSym(y) ? y : floorDiv(y, d / g), r: 0n };
      const out = { q: sub.q, r: mul(sub.r, g) };
      this.divisions.set(key, out);
      return out;
    }
    const c = x.c as bigint, b = boundsOf(x);
    const q = new Sym('Int', `${this.prefix}q${this.fresh}`, floorDiv(c, d), false, b && floorDiv(b[0], d), b && floorDiv(b[1], d));
    const r = new Sym('Int', `${this.prefix}r${this.fresh++}`, c - floorDiv(c, d) * d, false, 0n, d - 1n);
    this.defs.push(`(declare-fun ${q.smt} () Int)(declare-fun ${r.smt} () Int)${this.assert(`(and (= ${x.smt} (+ (* ${d} ${q.smt}) ${r.smt})) (<= 0 ${r.smt}) (< ${r.smt} ${d}))`)}`);
    const out = { q, r };
    this.divisions.set(key, out);
    return out;
  }

  /** A division the input rules already define: x = d*q + r with q an input (a conversion's huge-page bracket). */
  knownDivision(x: Sym, d: bigint, q: IntVal): void {
    if (!isSym(q)) return;
    const r = sub(x, mul(q, d));
    this.divisions.set(`${x.smt}/${d}`, { q, r: isSym(r) ? new Sym('Int', r.smt, r.c, false, 0n, d - 1n) : new Sym('Int', `${r}`, r, false, 0n, d - 1n) });
  }

  /** A new unconstrained name with these facts about it (an over-approximation). */
  abstract(c: bigint, facts: (x: Sym) => BoolVal, where: string): Sym {
    const n = `${this.prefix}a${this.fresh++}`;
    const x = new Sym('Int', n, c);
    const f = facts(x);
    this.defs.push(`(declare-fun ${n} () Int)${this.assert(typeof f === 'boolean' ? `${f}` : f.smt)}`);
    this.abstractions.push(where);
    return x;
  }

  /** One more iteration of the loop at `where` (every loop's body starts with one, prover/transform.ts). */
  iterate(where: string): void {
    if (this.iterations === this.limits.iterations) {
      const [loop, n] = [...this.loops].reduce((x, y) => (y[1] > x[1] ? y : x), [where, 0]);
      throw (this.passed = new PathCut(`the path passed ${this.iterations} loop iterations, ${n} of them of one loop (a loop that does not end)`, loop));
    }
    this.iterations++;
    this.loops.set(where, (this.loops.get(where) ?? 0) + 1);
  }

  decide(cond: BoolVal, where: string): boolean {
    if (!isSym(cond)) return cond;
    const again = this.seen.get(cond.smt);
    if (again !== undefined) return again;
    if (this.branches.length >= this.limits.decisions) {
      const loop = mostFrequent(this.branches.map((b) => b.where));
      throw (this.passed = new PathCut(`the path passed ${this.limits.decisions} decisions on symbolic conditions, ${loop.n} of them at one place (a loop whose trip count the bound does not limit)`, loop.where));
    }
    const taken = this.branches.length < this.forced.length ? this.forced[this.branches.length] : (cond.c as boolean);
    this.branches.push({ smt: cond.smt, taken, where, shadow: cond.c as boolean });
    this.seen.set(cond.smt, taken);
    return taken;
  }
}

/**
 * x = g*y for g, the greatest common divisor of d and of x's coefficients and constant: then
 * floor(x / d) = floor(y / (d/g)) and x mod d = g * (y mod (d/g)), a division by a smaller
 * number, and none at all when g is d (a byte offset 4096 * p shifted right by 12 is the page
 * number p, and PAGE_ALIGNED of it is true, not a question for the solver).
 */
function commonFactor(x: Sym, d: bigint): { readonly g: bigint; readonly y: IntVal } | null {
  if (!x.lin) return null;
  let g = gcd(d, x.lin.c < 0n ? -x.lin.c : x.lin.c);
  for (const { k } of x.lin.terms.values()) g = gcd(g, k < 0n ? -k : k);
  if (g === 1n) return null;
  let y: IntVal = x.lin.c / g;
  for (const { k, atom } of x.lin.terms.values()) y = add(y, mul(atom, k / g));
  return { g, y };
}
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

let current: Path | undefined;

/** Runs `f` on `path`: every symbolic decision it makes is recorded there. */
export function onPath<T>(path: Path, f: () => T): T {
  const before = current;
  current = path;
  try {
    return f();
  } finally {
    current = before;
  }
}

/** The path a run is on, if one is. */
export const activePath = (): Path | undefined => current;

export function path(): Path {
  if (!current) throw new Error('a symbolic value met outside a prover run');
  return current;
}

const M64 = TWO64;
/** (unsigned long)x: x mod 2^64, written so the solver rarely needs the modulo. */
export function ul(x: IntVal): IntVal {
  if (isSym(x) && x.word) return x;
  return wrapUnsigned(x, 64);
}

/** x mod 2^bits (BigInt.asUintN, C's conversion to an unsigned type of that width). */
function wrapUnsigned(x: IntVal, bits: number): IntVal {
  if (!isSym(x)) return BigInt.asUintN(bits, x);
  const M = 1n << BigInt(bits);
  const s = x.smt;
  const b = boundsOf(x);
  if (b && b[0] >= 0n && b[1] < M) return x;
  // within one wrap either side, as sums and differences of a few words are, no modulo is needed
  const low = b && b[0] >= -M ? `(+ ${s} ${M})` : `(mod ${s} ${M})`;
  const high = b && b[1] < 2n * M ? `(- ${s} ${M})` : `(mod ${s} ${M})`;
  const cases = [
    ...(!b || b[0] < 0n ? [[`(< ${s} 0)`, low]] : []),
    ...(!b || b[1] >= M ? [[`(>= ${s} ${M})`, high]] : []),
  ];
  const t = cases.reduceRight((acc, [c, v]) => `(ite ${c} ${v} ${acc})`, s);
  return path().name(new Sym('Int', t, BigInt.asUintN(bits, x.c as bigint), true, 0n, M - 1n));
}

/** BigInt.asUintN(bits, x) and BigInt.asIntN(bits, x) on a value that may be symbolic (the transform routes both here). */
export function asUintN(bits: unknown, x: unknown, where: string): unknown {
  if (!isSym(x)) return BigInt.asUintN(bits as number, x as bigint);
  return located(where, () => wrapUnsigned(intOf(x, 'BigInt.asUintN'), widthOf(bits)));
}
export function asIntN(bits: unknown, x: unknown, where: string): unknown {
  if (!isSym(x)) return BigInt.asIntN(bits as number, x as bigint);
  return located(where, () => {
    const n = widthOf(bits);
    const w = wrapUnsigned(intOf(x, 'BigInt.asIntN'), n), half = 1n << BigInt(n - 1);
    const t = ite(ge(w, half), sub(w, half * 2n), w);
    return isSym(t) ? path().name(t, false) : t;
  });
}
const widthOf = (bits: unknown): number => {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > 64) throw new Unsupported(`a width of ${String(bits)} bits`);
  return bits;
};
/** floor(x / d) and x mod d, d > 0 (bigint >> and & with a low mask). */
export function divFloor(x: IntVal, d: bigint): IntVal {
  return isSym(x) ? path().divide(x, d).q : floorDiv(x, d);
}
export function modFloor(x: IntVal, d: bigint): IntVal {
  return isSym(x) ? path().divide(x, d).r : x - floorDiv(x, d) * d;
}
/** JavaScript's bigint / and %, which truncate toward zero; d > 0. */
function divTrunc(x: IntVal, d: bigint): IntVal {
  if (!isSym(x)) return x / d;
  if ((boundsOf(x)?.[0] ?? -1n) >= 0n) return divFloor(x, d);
  const t = ite(ge(x, 0n), divFloor(x, d), neg(divFloor(neg(x), d)));
  return isSym(t) ? path().name(t) : t;
}
function modTrunc(x: IntVal, d: bigint): IntVal {
  if (!isSym(x)) return x % d;
  const r = modFloor(x, d);
  if ((boundsOf(x)?.[0] ?? -1n) >= 0n) return r;
  // below 0 the truncated remainder is the floored one less d, unless that one is 0: one division, not two
  const t = ite(or(ge(x, 0n), eqInt(r, 0n)), r, sub(r, d));
  return isSym(t) ? path().name(t) : t;
}

/** (long)x: the signed reading of a 64-bit word (loff_t sums). */
export function s64(x: IntVal): IntVal {
  if (!isSym(x)) return BigInt.asIntN(64, x);
  const w = ul(x);
  return path().name(ite(ge(w, 1n << 63n), sub(w, M64), w) as Sym, false);
}
/** The kernel's min()/max() of two unsigned longs (arguments converted first). */
export function umin(a: IntVal, b: IntVal): IntVal {
  const x = ul(a), y = ul(b);
  if (!isSym(x) && !isSym(y)) return x < y ? x : y;
  return path().name(ite(lt(x, y), x, y) as Sym, true);
}
export function umax(a: IntVal, b: IntVal): IntVal {
  const x = ul(a), y = ul(b);
  if (!isSym(x) && !isSym(y)) return x > y ? x : y;
  return path().name(ite(gt(x, y), x, y) as Sym, true);
}

// ---- what the transformed code calls ----

const intOf = (x: unknown, op: string): IntVal => {
  if (typeof x === 'bigint') return x;
  if (isSym(x) && x.sort === 'Int') return x;
  throw new Unsupported(`${op} of a symbolic integer with ${isSym(x) ? 'a symbolic boolean' : typeof x}`);
};
const lowMask = (m: bigint): bigint | null => {
  if (m < 0n) return null;
  const k = m + 1n;
  return (k & m) === 0n ? k : null; // m = 2^k - 1
};

function located<T>(where: string, f: () => T): T {
  const p = current;
  if (p) p.at = where;
  try {
    return f();
  } catch (e) {
    if (e instanceof Unsupported && !e.where) e.where = where;
    throw e;
  }
}

/** The start of a loop's body: counted, so a loop that never ends is cut (RunLimits). */
export function iteration(where: string): void {
  current?.iterate(where);
}

/** Truthiness, as JavaScript's: a symbolic integer is true when it is not 0. */
export function truthy(x: unknown): BoolVal {
  if (!isSym(x)) return Boolean(x);
  return x.sort === 'Bool' ? x : not(eqInt(x, 0n));
}

/** A condition the code branches on (if, while, for, ?:, a short circuit with effects). */
export function cond(x: unknown, where: string): boolean {
  return located(where, () => (isSym(x) ? path().decide(truthy(x), where) : Boolean(x)));
}

export function bin(op: string, a: unknown, b: unknown, where: string): unknown {
  if (!isSym(a) && !isSym(b)) return concrete(op, a, b);
  return located(where, () => symbolic(op, a, b, where));
}

function concrete(op: string, a: any, b: any): unknown {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '===': return a === b;
    case '!==': return a !== b;
    case '==': return a == b; // eslint-disable-line eqeqeq
    case '!=': return a != b; // eslint-disable-line eqeqeq
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '<<': return a << b;
    case '>>': return a >> b;
    case '>>>': return a >>> b;
  }
  throw new Unsupported(`operator ${op}`);
}

function equal(a: unknown, b: unknown, loose: boolean): BoolVal {
  const sa = isSym(a) ? a.sort : typeof a === 'bigint' ? 'Int' : typeof a === 'boolean' ? 'Bool' : null;
  const sb = isSym(b) ? b.sort : typeof b === 'bigint' ? 'Int' : typeof b === 'boolean' ? 'Bool' : null;
  if (sa === 'Int' && sb === 'Int') return eqInt(a as IntVal, b as IntVal);
  if (sa === 'Bool' && sb === 'Bool') return eqBool(a as BoolVal, b as BoolVal);
  // 0n == 0 in JavaScript; 0n === 0 is false
  if (loose && sa === 'Int' && typeof b === 'number' && Number.isInteger(b)) return eqInt(a as IntVal, BigInt(b));
  if (loose && sb === 'Int' && typeof a === 'number' && Number.isInteger(a)) return eqInt(BigInt(a), b as IntVal);
  if (loose) throw new Unsupported('== between a symbolic value and a value of another type');
  return false; // different types are never ===
}

function symbolic(op: string, a: unknown, b: unknown, where: string): unknown {
  switch (op) {
    case '===': case '==': return equal(a, b, op === '==');
    case '!==': case '!=': return not(equal(a, b, op === '!='));
  }
  if (op === '+' && (typeof a === 'string' || typeof b === 'string')) throw new Unsupported('a symbolic value joined to a string');
  const x = intOf(a, op), y = intOf(b, op);
  switch (op) {
    case '+': return add(x, y);
    case '-': return sub(x, y);
    case '*': return mul(x, y);
    case '<': return lt(x, y);
    case '<=': return le(x, y);
    case '>': return gt(x, y);
    case '>=': return ge(x, y);
  }
  if (isSym(y)) {
    if (op === '|') return orWords(x, y, where);
    throw new Unsupported(`${op} with a symbolic right operand`);
  }
  switch (op) {
    case '/': if (y > 0n) return divTrunc(x, y); break;
    case '%': if (y > 0n) return modTrunc(x, y); break;
    case '>>': return divFloor(x, 1n << y);
    case '<<': return mul(x, 1n << y);
    // the masks as the quotient q of a division x = 2^k q + r (so round_down(s) is the very term 2^k q the rules use)
    case '&': {
      const k = lowMask(y);
      if (k) return modFloor(x, k); // x & (2^k - 1)
      const hi = lowMask(y ^ ((1n << 64n) - 1n));
      if (hi && y > 0n) return mul(divFloor(x, hi), hi); // x & ~(2^k - 1), for a 64-bit x
      if (y > 0n && (y & (y - 1n)) === 0n) return mul(modFloor(divFloor(x, y), 2n), y); // one bit
      break;
    }
    case '|': {
      const k = lowMask(y);
      if (k) return add(mul(divFloor(x, k), k), y); // x | (2^k - 1)
      break;
    }
  }
  throw new Unsupported(`${op} of a symbolic integer with ${y}`);
}

/** x | y of two symbolic words, as round_up() with a size that is not a power of two computes it: bounded, not exact. */
function orWords(x: IntVal, y: IntVal, where: string): IntVal {
  if (!isSym(x)) return orWords(y, x, where);
  const cx = x.c as bigint, cy = isSym(y) ? (y.c as bigint) : y;
  if (cx < 0n || cy < 0n) throw new Unsupported('| of a negative symbolic integer');
  // as an implication, the facts constrain no input, so they may stand beside any prefix of the path
  return path().abstract(cx | cy, (r) => implies(and(ge(x, 0n), ge(y, 0n)), and(ge(r, x), ge(r, y), le(r, add(x, y)))), `${where}: x | y of two symbolic words (bounded by max(x, y) <= x | y <= x + y)`);
}

export function unary(op: string, a: unknown, where: string): unknown {
  if (!isSym(a)) {
    switch (op) {
      case '!': return !a;
      case '-': return -(a as any);
      case '+': return +(a as any);
      case '~': return ~(a as any);
    }
    throw new Unsupported(`operator ${op}`, where);
  }
  return located(where, () => {
    if (op === '!') return not(truthy(a));
    if (op === '-' && a.sort === 'Int') return neg(a);
    throw new Unsupported(`unary ${op} of a symbolic value`);
  });
}

/** a && b, a || b: `b` is a thunk; `pure` when evaluating it early changes nothing (no call, no assignment). */
export function logic(op: '&&' | '||' | '??', a: unknown, b: () => unknown, pure: boolean, where: string): unknown {
  if (op === '??') return isSym(a) ? a : a ?? b();
  if (!isSym(a)) return op === '&&' ? a && b() : a || b();
  return located(where, () => {
    const ta = truthy(a);
    if (pure) {
      const vb = b();
      if (typeof vb === 'boolean' || (isSym(vb) && vb.sort === 'Bool')) {
        // JavaScript returns a itself, a boolean here, or b: the same truth either way
        if (a.sort === 'Bool') return op === '&&' ? and(ta, vb as BoolVal) : or(ta, vb as BoolVal);
      }
    }
    const t = path().decide(ta, where);
    if (op === '&&') return t ? b() : a;
    return t ? a : b();
  });
}

/** c ? a : b with both sides evaluated already (they have no effects): a term when c is symbolic and both are of one sort. */
export function select(c: unknown, a: unknown, b: unknown, where: string): unknown {
  if (!isSym(c)) return c ? a : b;
  return located(where, () => {
    const sa = isSym(a) ? a.sort : typeof a === 'bigint' ? 'Int' : typeof a === 'boolean' ? 'Bool' : null;
    const sb = isSym(b) ? b.sort : typeof b === 'bigint' ? 'Int' : typeof b === 'boolean' ? 'Bool' : null;
    if (sa && sa === sb) {
      const t = ite(truthy(c), a as IntVal, b as IntVal);
      return isSym(t) ? path().name(t, isSym(a) && isSym(b) && a.word && b.word) : t;
    }
    return path().decide(truthy(c), where) ? a : b;
  });
}

export function typeOf(x: unknown): string {
  if (isSym(x)) return x.sort === 'Int' ? 'bigint' : 'boolean';
  return typeof x;
}

/** The discriminant of a switch: a symbolic one would be compared by ===, which the runtime cannot see. */
export function switchOn(x: unknown, where: string): unknown {
  if (isSym(x)) throw new Unsupported('switch on a symbolic value', where);
  return x;
}

// JavaScript compares a Set's or Map's keys, an array's elements for includes()/indexOf() and
// Object.is()'s operands by identity (SameValueZero), never through an operator the runtime sees:
// two symbolic values are two objects, unequal whatever their values, so such a test would follow
// one side only and could prove what fails. A symbolic value met there is unsupported.

const byIdentity = (what: string, where: string) => new Unsupported(`a symbolic value compared by identity (${what}), which JavaScript does without an operator the prover can follow`, where);

// (by their built-in tag, not instanceof: a variant may run in another realm than this runtime, as under jest)
const KEYED_KINDS = ['Set', 'Map', 'WeakSet', 'WeakMap'];
const kindOf = (x: unknown) => Object.prototype.toString.call(x).slice(8, -1);
const isNative = (f: unknown) => typeof f === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(f));

/** recv.name(...args), refused when a native collection or array would compare a symbolic value by identity. */
export function member(recv: any, name: string, args: unknown[], where: string): unknown {
  if (Array.isArray(recv) && (name === 'includes' || name === 'indexOf' || name === 'lastIndexOf')) {
    if (isSym(args[0]) || recv.some((x) => isSym(x))) throw byIdentity(`Array.prototype.${name}`, where);
  } else if (KEYED_KINDS.includes(kindOf(recv)) && isSym(args[0])) {
    throw byIdentity(`${kindOf(recv)}.prototype.${name}`, where);
  }
  return recv[name](...args);
}

/** new Set(...), new Map(...) and their weak kinds, refused when a key it is given is symbolic. */
export function construct(ctor: new (...a: unknown[]) => unknown, args: unknown[], where: string): unknown {
  const keyed = isNative(ctor) && KEYED_KINDS.includes(ctor.name);
  const given = args[0] as Iterable<unknown> | null | undefined;
  if (keyed && given != null && typeof (given as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
    const byKey = ctor.name === 'Map' || ctor.name === 'WeakMap';
    for (const x of given) {
      const key = byKey ? (Array.isArray(x) ? x[0] : undefined) : x;
      if (isSym(key)) throw byIdentity(`new ${ctor.name}()`, where);
    }
  }
  return new ctor(...args);
}

/** Object.is(a, b): refused on a symbolic operand. */
export function objectIs(a: unknown, b: unknown, where: string): boolean {
  if (isSym(a) || isSym(b)) throw byIdentity('Object.is', where);
  return Object.is(a, b);
}

/** A value the transform cannot route (a ++ or a compound bitwise assignment on a symbolic value). */
export function plain(x: unknown, what: string, where: string): unknown {
  if (isSym(x)) throw new Unsupported(`${what} of a symbolic value`, where);
  return x;
}

export { ite };
/** Whether a value is symbolic (for a runtime that wraps this one). */
export const isSymbolic = (x: unknown): boolean => isSym(x);
