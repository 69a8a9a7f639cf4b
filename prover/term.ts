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
const both = (a: IntVal, b: IntVal, f: (x: readonly [bigint, bigint], y: readonly [bigint, bigint]) => readonly [bigint, bigint]): Bounds => {
  const x = boundsOf(a), y = boundsOf(b);
  return x && y ? f(x, y) : undefined;
};
const bool = (smt: string, c: boolean) => new Sym('Bool', smt, c);

export function add(a: IntVal, b: IntVal): IntVal {
  if (!isSym(a) && !isSym(b)) return a + b;
  if (b === 0n) return a;
  if (a === 0n) return b;
  return int(`(+ ${intSmt(a)} ${intSmt(b)})`, cInt(a) + cInt(b), false, both(a, b, (x, y) => [x[0] + y[0], x[1] + y[1]]));
}
export function sub(a: IntVal, b: IntVal): IntVal {
  if (!isSym(a) && !isSym(b)) return a - b;
  if (b === 0n) return a;
  return int(`(- ${intSmt(a)} ${intSmt(b)})`, cInt(a) - cInt(b), false, both(a, b, (x, y) => [x[0] - y[1], x[1] - y[0]]));
}
export function neg(a: IntVal): IntVal {
  const b = boundsOf(a);
  return isSym(a) ? int(`(- ${a.smt})`, -cInt(a), false, b && [-b[1], -b[0]]) : -a;
}
/** Linear only: one side must be concrete. */
export function mul(a: IntVal, b: IntVal): IntVal {
  if (!isSym(a) && !isSym(b)) return a * b;
  if (isSym(a) && isSym(b)) throw new Unsupported('a product of two symbolic integers (non-linear)');
  const k = isSym(a) ? (b as bigint) : a;
  const xb = boundsOf(isSym(a) ? a : b);
  return int(`(* ${intSmt(a)} ${intSmt(b)})`, cInt(a) * cInt(b), false, xb && (k >= 0n ? [xb[0] * k, xb[1] * k] : [xb[1] * k, xb[0] * k]));
}
/** floor(a / 2^k) and a mod 2^k (Euclidean, as JavaScript's >> and & with a low mask are on bigints). */
export function divFloor(a: IntVal, d: bigint): IntVal {
  if (!isSym(a)) return floorDiv(a, d);
  const b = boundsOf(a);
  return int(`(div ${a.smt} ${d})`, floorDiv(cInt(a), d), false, b && [floorDiv(b[0], d), floorDiv(b[1], d)]);
}
export function modFloor(a: IntVal, d: bigint): IntVal {
  if (!isSym(a)) return a - floorDiv(a, d) * d;
  const c = cInt(a);
  return int(`(mod ${a.smt} ${d})`, c - floorDiv(c, d) * d, false, [0n, d - 1n]);
}
const floorDiv = (a: bigint, d: bigint) => (a >= 0n ? a / d : -((-a + d - 1n) / d));
/** JavaScript's bigint / and % truncate toward zero; for a divisor > 0. */
export function divTrunc(a: IntVal, d: bigint): IntVal {
  if (!isSym(a)) return a / d;
  return ite(ge(a, 0n), divFloor(a, d), neg(divFloor(neg(a), d))) as IntVal;
}
export function modTrunc(a: IntVal, d: bigint): IntVal {
  if (!isSym(a)) return a % d;
  return sub(a, mul(divTrunc(a, d), d));
}

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
export const intVar = (name: string, c: bigint, word = false, hi?: bigint): Sym => int(name, c, word, hi !== undefined ? [0n, hi] : undefined);
export const boolVar = (name: string, c: boolean): Sym => bool(name, c);
/** A name standing for a term: its sort, shadow, word-ness and bounds. */
export const named = (t: Sym, name: string, word = t.word): Sym => new Sym(t.sort, name, t.c, word, t.lo, t.hi);

export const TWO64 = 1n << 64n;
export const U64_MAX = TWO64 - 1n;
