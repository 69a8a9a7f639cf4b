// Symbolic values for the prover: integer and boolean terms in SMT-LIB 2 text, each with its
// concrete shadow (the value it has on the input the current path was run with). Integers are
// unbounded, as JavaScript's bigints are; the kernel's 64-bit wrap is written out where a port
// writes ul() (linear integer arithmetic with an explicit wrap: far faster than bit-vectors).

export type Sort = 'Int' | 'Bool';

export class Sym {
  constructor(
    readonly sort: Sort,
    /** The term, as SMT-LIB text (a name, or an application). */
    readonly smt: string,
    /** Its value on the input the current path runs with. */
    readonly c: bigint | boolean,
    /** Known to be a 64-bit word (an input of that range, or a wrapped result): no range check needed. */
    readonly word = false,
    /** Bounds every value of the term lies within, when known: they spare the wrap its modulo. */
    readonly lo?: bigint,
    readonly hi?: bigint,
    /** A linear term: its atoms (names, or terms that are not sums) with their coefficients, and its constant. */
    readonly lin?: Lin,
  ) {}

  // a symbolic value that JavaScript would coerce (a template string, Number(), a Map key, ...)
  // has no single value: the run is cut there, never continued on the shadow
  [Symbol.toPrimitive](): never {
    throw new Unsupported(`a symbolic ${this.sort === 'Int' ? 'integer' : 'boolean'} converted to a primitive (a template string, Number(), BigInt(), ++, an index)`);
  }
}

/** A construct the prover cannot follow symbolically; `where` is the source line it met it at. */
export class Unsupported extends Error {
  where?: string;
  constructor(what: string, where?: string) {
    super(what);
    this.name = 'Unsupported';
    if (where) this.where = where;
  }
}

export type IntVal = bigint | Sym;
export type BoolVal = boolean | Sym;

export const isSym = (x: unknown): x is Sym => x instanceof Sym;
export const intSmt = (x: IntVal): string => (isSym(x) ? x.smt : x < 0n ? `(- ${-x})` : `${x}`);
export const boolSmt = (x: BoolVal): string => (isSym(x) ? x.smt : x ? 'true' : 'false');
export const cInt = (x: IntVal): bigint => (isSym(x) ? (x.c as bigint) : x);
export const cBool = (x: BoolVal): boolean => (isSym(x) ? (x.c as boolean) : x);

type Bounds = readonly [bigint, bigint] | undefined;
/** The bounds of a value: exact for a constant, a word's for a word, else what the term carries. */
export const boundsOf = (x: IntVal): Bounds => (!isSym(x) ? [x, x] : x.lo !== undefined && x.hi !== undefined ? [x.lo, x.hi] : x.word ? [0n, U64_MAX] : undefined);
const int = (smt: string, c: bigint, word = false, b?: Bounds) => {
  const w = word || (b !== undefined && b[0] >= 0n && b[1] <= U64_MAX);
  return new Sym('Int', smt, c, w, b?.[0], b?.[1]);
};
const bool = (smt: string, c: boolean) => new Sym('Bool', smt, c);

/**
 * A linear combination of atoms: sums and differences are kept in this normal form, so that
 * s + (e - s) is e, and one value computed two ways is one term (one name, one decision), and
 * the bounds of a difference see its atoms cancel.
 */
export interface Lin {
  readonly terms: ReadonlyMap<string, { readonly k: bigint; readonly atom: Sym }>;
  readonly c: bigint;
}
const linOf = (x: IntVal): Lin => (!isSym(x) ? { terms: new Map(), c: x } : x.lin ?? { terms: new Map([[x.smt, { k: 1n, atom: x }]]), c: 0n });

/** ka * a + kb * b, in normal form. */
function combine(a: IntVal, ka: bigint, b: IntVal, kb: bigint): IntVal {
  const la = linOf(a), lb = linOf(b);
  const terms = new Map<string, { k: bigint; atom: Sym }>();
  for (const [l, f] of [[la, ka], [lb, kb]] as const) {
    for (const [key, t] of l.terms) {
      const k = (terms.get(key)?.k ?? 0n) + t.k * f;
      if (k === 0n) terms.delete(key);
      else terms.set(key, { k, atom: t.atom });
    }
  }
  return fromLin({ terms, c: la.c * ka + lb.c * kb });
}

function fromLin(l: Lin): IntVal {
  if (l.terms.size === 0) return l.c;
  const ts = [...l.terms.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, t]) => t);
  if (ts.length === 1 && ts[0].k === 1n && l.c === 0n) return ts[0].atom;
  const parts = ts.map((t) => (t.k === 1n ? t.atom.smt : `(* ${intSmt(t.k)} ${t.atom.smt})`));
  if (l.c !== 0n) parts.push(intSmt(l.c));
  const smt = parts.length === 1 ? parts[0] : `(+ ${parts.join(' ')})`;
  let c = l.c, lo: bigint | undefined = l.c, hi: bigint | undefined = l.c;
  for (const t of ts) {
    c += t.k * cInt(t.atom);
    const b = boundsOf(t.atom);
    if (!b || lo === undefined || hi === undefined) { lo = hi = undefined; continue; }
    lo += t.k > 0n ? t.k * b[0] : t.k * b[1];
    hi += t.k > 0n ? t.k * b[1] : t.k * b[0];
  }
  const bounds: Bounds = lo !== undefined && hi !== undefined ? [lo, hi] : undefined;
  const w = bounds !== undefined && bounds[0] >= 0n && bounds[1] <= U64_MAX;
  return new Sym('Int', smt, c, w, bounds?.[0], bounds?.[1], { terms: new Map(ts.map((t) => [t.atom.smt, t])), c: l.c });
}

export function add(a: IntVal, b: IntVal): IntVal {
  if (!isSym(a) && !isSym(b)) return a + b;
  return combine(a, 1n, b, 1n);
}
export function sub(a: IntVal, b: IntVal): IntVal {
  if (!isSym(a) && !isSym(b)) return a - b;
  return combine(a, 1n, b, -1n);
}
export function neg(a: IntVal): IntVal {
  return isSym(a) ? combine(a, -1n, 0n, 0n) : -a;
}
/** Linear only: one side must be concrete. */
export function mul(a: IntVal, b: IntVal): IntVal {
  if (!isSym(a) && !isSym(b)) return a * b;
  if (isSym(a) && isSym(b)) throw new Unsupported('a product of two symbolic integers (non-linear)');
  return isSym(a) ? combine(a, b as bigint, 0n, 0n) : combine(b, a, 0n, 0n);
}
/** floor(a / d) for d > 0, as JavaScript's >> is on bigints. */
export const floorDiv = (a: bigint, d: bigint): bigint => (a >= 0n ? a / d : -((-a + d - 1n) / d));

function cmp(op: string, f: (x: bigint, y: bigint) => boolean) {
  return (a: IntVal, b: IntVal): BoolVal => {
    if (!isSym(a) && !isSym(b)) return f(a, b);
    return bool(`(${op} ${intSmt(a)} ${intSmt(b)})`, f(cInt(a), cInt(b)));
  };
}
export const lt = cmp('<', (x, y) => x < y);
export const le = cmp('<=', (x, y) => x <= y);
export const gt = cmp('>', (x, y) => x > y);
export const ge = cmp('>=', (x, y) => x >= y);
export const eqInt = cmp('=', (x, y) => x === y);

export function eqBool(a: BoolVal, b: BoolVal): BoolVal {
  if (!isSym(a) && !isSym(b)) return a === b;
  return bool(`(= ${boolSmt(a)} ${boolSmt(b)})`, cBool(a) === cBool(b));
}
export function not(a: BoolVal): BoolVal {
  return isSym(a) ? bool(`(not ${a.smt})`, !cBool(a)) : !a;
}
export function and(...xs: BoolVal[]): BoolVal {
  const open: Sym[] = [];
  for (const x of xs) {
    if (x === false) return false;
    if (x !== true) open.push(x);
  }
  if (open.length === 0) return true;
  if (open.length === 1) return open[0];
  return bool(`(and ${open.map((x) => x.smt).join(' ')})`, open.every((x) => x.c === true));
}
export function or(...xs: BoolVal[]): BoolVal {
  const open: Sym[] = [];
  for (const x of xs) {
    if (x === true) return true;
    if (x !== false) open.push(x);
  }
  if (open.length === 0) return false;
  if (open.length === 1) return open[0];
  return bool(`(or ${open.map((x) => x.smt).join(' ')})`, open.some((x) => x.c === true));
}
export const implies = (a: BoolVal, b: BoolVal): BoolVal => or(not(a), b);

export function ite(c: BoolVal, a: IntVal, b: IntVal): IntVal;
export function ite(c: BoolVal, a: BoolVal, b: BoolVal): BoolVal;
export function ite(c: BoolVal, a: IntVal | BoolVal, b: IntVal | BoolVal): IntVal | BoolVal {
  if (!isSym(c)) return c ? a : b;
  const sort = typeof a === 'boolean' || (isSym(a) && a.sort === 'Bool') ? 'Bool' : 'Int';
  const s = (x: IntVal | BoolVal) => (sort === 'Bool' ? boolSmt(x as BoolVal) : intSmt(x as IntVal));
  const pick = c.c ? a : b;
  if (sort === 'Bool') return new Sym(sort, `(ite ${c.smt} ${s(a)} ${s(b)})`, isSym(pick) ? pick.c : pick);
  const ba = boundsOf(a as IntVal), bb = boundsOf(b as IntVal);
  const bounds: Bounds = ba && bb ? [ba[0] < bb[0] ? ba[0] : bb[0], ba[1] > bb[1] ? ba[1] : bb[1]] : undefined;
  return int(`(ite ${c.smt} ${s(a)} ${s(b)})`, cInt(pick as IntVal), false, bounds);
}

/** An input of the proof: a declared constant with its shadow value. */
export const intVar = (name: string, c: bigint, word = false, hi?: bigint, lo = 0n): Sym => int(name, c, word, hi !== undefined ? [lo, hi] : undefined);
export const boolVar = (name: string, c: boolean): Sym => bool(name, c);
/** A name standing for a term: its sort, shadow, word-ness and bounds. */
export const named = (t: Sym, name: string, word = t.word): Sym => new Sym(t.sort, name, t.c, word, t.lo, t.hi);

export const TWO64 = 1n << 64n;
export const U64_MAX = TWO64 - 1n;
