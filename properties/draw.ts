// Generators written as plain code that draws its choices (a Draw), and the fast-check arbitrary
// that runs one. Every choice is kept as its rank (0: the simplest value) on a tape shaped like
// the drawing (a oneof's branch and a list's items each on a tape of their own), so a value is
// made again from its tape and shrunk by shrinking the tape: an item of a list dropped, a branch
// moved toward the first with its own choices at their simplest, a choice moved toward its
// simplest. A case drawn this way costs a few dozen draws from fast-check's random stream
// instead of a hundred fast-check arbitraries, values and contexts, and a case's tape is made only
// when it is shrunk (by drawing it again from a copy of its stream: a generator must be a function
// of its draws alone, reading no other state). The draws follow fast-check's
// own laws (its bias toward small values and the ends of a range, oneof's weights, array's
// lengths), so cases are distributed as its combinators would draw them.

import fc from 'fast-check';

/** How far a value is from the simplest value of its range: 0 is the simplest. */
type Rank = number | bigint;

/** A list's items, each on a tape of its own, and the fewest it may have. */
class Items {
  constructor(readonly items: readonly Tape[], readonly min: number) {}
}

/** What a drawing chose, in order: a rank, a branch's own tape (after its index), or a list. */
type Entry = Rank | Tape | Items;
type Tape = readonly Entry[];

/** Where a generator's choices come from: fast-check's random stream, or a tape being replayed. */
export interface Draw {
  /** A value of `range` (made once by int() or big()), biased as fast-check biases one. */
  value<T extends number | bigint>(range: Range<T>): T;
  /** One of `values`, each as likely (fc.constantFrom); shrinks toward the first. */
  from<T>(values: readonly T[]): T;
  /**
   * One of `choice`'s generators by weight (fc.oneof with cross-shrink); shrinks toward the first,
   * at its simplest. `arg` is handed to the generator chosen (oneofWith()).
   */
  oneof<T, A = undefined>(choice: Choice<T, A>, arg?: A): T;
  /** true or false, each as likely, never biased (fc.boolean); shrinks toward false. */
  bool(): boolean;
  /** min to max items (fc.array's law for their number and bias); shrinks by dropping items. */
  list<T>(min: number, max: number, item: Gen<T>): T[];
  /** `f`'s choices drawn without bias (fc.noBias). */
  unbiased<T>(f: Gen<T>): T;
}

/** A generator: code that draws what it needs. */
export type Gen<T> = (d: Draw) => T;

// fast-check's numeric bias (src/arbitrary/_internals/helpers/BiasNumericRange.ts): in a biased
// run, one draw in `bias` comes from a small range at 0 or at an end of the range, its width the
// log2 of the range for an integer and its count of decimal digits for a bigint
const log2 = (v: number) => Math.floor(Math.log(v) / Math.log(2));
const digits = (v: bigint) => BigInt(v === 0n ? 0 : String(v).length);
function biasedRanges(min: bigint, max: bigint, logLike: (v: bigint) => bigint): Array<readonly [bigint, bigint]> {
  if (min === max) return [[min, max]];
  if (min < 0n && max > 0n) {
    const lo = logLike(-min), hi = logLike(max);
    return [[-lo, hi], [max - hi, max], [min, min + lo]];
  }
  const gap = logLike(max - min);
  return min < 0n ? [[max - gap, max], [min, min + gap]] : [[min, min + gap], [max - gap, max]];
}

/** A range to draw from, made once: its bounds, and the small ranges a biased draw picks from. */
export interface Range<T extends number | bigint> {
  readonly min: T;
  readonly max: T;
  readonly biased: ReadonlyArray<readonly [T, T]>;
  /** A bigint range a double holds exactly: drawn as a number. */
  readonly asNumber?: Range<number>;
}

const asNumbers = (rs: ReadonlyArray<readonly [bigint, bigint]>) => rs.map(([a, b]) => [Number(a), Number(b)] as const);

/** An integer of [min, max], both within 32 bits (fc.integer). */
export function int(min: number, max: number): Gen<number> {
  const r: Range<number> = { min, max, biased: asNumbers(biasedRanges(BigInt(min), BigInt(max), (v) => BigInt(log2(Number(v))))) };
  return (d) => d.value(r);
}

const NUMBER_RANGE = 1n << 53n;

/** A bigint of [min, max] (fc.bigInt). */
export function big(min: bigint, max: bigint): Gen<bigint> {
  const biased = biasedRanges(min, max, digits);
  const narrow = min > -NUMBER_RANGE && max < NUMBER_RANGE && max - min < NUMBER_RANGE;
  const r: Range<bigint> = { min, max, biased, ...(narrow ? { asNumber: { min: Number(min), max: Number(max), biased: asNumbers(biased) } } : {}) };
  return (d) => d.value(r);
}

/** Generators by weight, made once by oneof() (or oneofWith(): each given an argument `A`). */
export interface Choice<T, A = undefined> {
  readonly gens: ReadonlyArray<(d: Draw, arg: A) => T>;
  readonly weights: readonly number[];
  readonly total: number;
}

const choiceOf = <T, A>(gens: ReadonlyArray<readonly [number, (d: Draw, arg: A) => T]>): Choice<T, A> =>
  ({ gens: gens.map(([, g]) => g), weights: gens.map(([w]) => w), total: gens.reduce((n, [w]) => n + w, 0) });

/** `gens` by weight, as fc.oneof({ weight, arbitrary }, ...) draws them. */
export function oneof<T>(...gens: ReadonlyArray<readonly [weight: number, gen: Gen<T>]>): Gen<T> {
  const choice: Choice<T> = choiceOf(gens);
  return (d) => d.oneof(choice);
}

/**
 * oneof() of generators that draw against an argument (a case's operation against its layout):
 * the choice is made once, where a oneof() made per argument made its branches, their closures
 * and its weights again for every case. The same draws, tape and shrinking as oneof().
 */
export function oneofWith<A, T>(...gens: ReadonlyArray<readonly [weight: number, gen: (d: Draw, arg: A) => T]>): (d: Draw, arg: A) => T {
  const choice: Choice<T, A> = choiceOf(gens);
  return (d, arg) => d.oneof(choice, arg);
}

// a rank is the distance from fast-check's shrink target: 0 when it lies inside the range (ranks
// 0, 1, 2, 3, 4 are 0, -1, 1, -2, 2), else the end nearest to 0 (a range from 0 counts up from it,
// so that every rank is a value of the range and a choice shrinks one by one to its least failing
// value); a rank past the range is its end
function rankOf(v: number, min: number, max: number): number {
  if (min < 0 && max > 0) return v >= 0 ? 2 * v : -2 * v - 1;
  return min >= 0 ? v - min : max - v;
}
function valueOf(rank: number, min: number, max: number): number {
  const v = min < 0 && max > 0 ? (rank % 2 === 0 ? rank / 2 : -(rank + 1) / 2) : min >= 0 ? min + rank : max - rank;
  return v < min ? min : v > max ? max : v;
}
function bigRankOf(v: bigint, min: bigint, max: bigint): bigint {
  if (min < 0n && max > 0n) return v >= 0n ? 2n * v : -2n * v - 1n;
  return min >= 0n ? v - min : max - v;
}
function bigValueOf(rank: bigint, min: bigint, max: bigint): bigint {
  const v = min < 0n && max > 0n ? (rank % 2n === 0n ? rank / 2n : -(rank + 1n) / 2n) : min >= 0n ? min + rank : max - rank;
  return v < min ? min : v > max ? max : v;
}

const TWO_26 = 2 ** 26;
const MAX_INT = 2 ** 31 - 1;
const isRank = (e: Entry | undefined): e is Rank => typeof e === 'number' || typeof e === 'bigint';

class Drawing implements Draw {
  /** The tape being written, at the level being drawn. */
  private out: Entry[] = [];
  /** The tape being replayed at this level, and where; none when drawing from the random stream. */
  private src: Tape | undefined;
  private at = 0;
  private readonly replaying: boolean;

  /**
   * `recording` false: draw from the random stream and keep no tape (a case's first drawing: only
   * a case that fails is shrunk, and its tape is then made by drawing it again, recording).
   */
  constructor(private readonly mrng: fc.Random | undefined, source: Tape | undefined, private bias: number | undefined, private readonly recording = true) {
    this.src = source;
    this.replaying = mrng === undefined;
  }

  get tape(): Tape {
    return this.out;
  }

  /** The next entry replayed at this level (past its end: none, the simplest). */
  private next(): Entry | undefined {
    return this.src !== undefined && this.at < this.src.length ? this.src[this.at++] : undefined;
  }

  /** A rank replayed (0 when the tape has none here), or undefined when drawing. */
  private replayedRank(): Rank | undefined {
    if (!this.replaying) return undefined;
    const e = this.next();
    return isRank(e) ? e : 0;
  }

  /** `f`'s draws on a tape of their own (a branch's, or a list item's), replaying `source`; `arg` is handed to f. */
  private within<T, A>(source: Entry | undefined, f: (d: Draw, arg: A) => T, arg: A): T {
    const { out, src, at } = this;
    const mine: Entry[] = [];
    this.out = mine;
    this.src = this.replaying ? (Array.isArray(source) ? source : []) : undefined;
    this.at = 0;
    try {
      return f(this, arg);
    } finally {
      this.out = out;
      this.src = src;
      this.at = at;
      out.push(mine);
    }
  }

  /** A uniform integer of [0, n] (n < 2^53), from one draw below 2^31 or two with rejection. */
  private uniform(n: number): number {
    const mrng = this.mrng!;
    if (n <= MAX_INT) return mrng.nextInt(0, n);
    const top = Math.floor(n / TWO_26);
    for (;;) {
      const x = mrng.nextInt(0, top) * TWO_26 + mrng.nextInt(0, TWO_26 - 1);
      if (x <= n) return x;
    }
  }

  /** One of `ranges`, as fast-check picks a biased range. */
  private pickRange<R>(ranges: readonly R[]): R {
    if (ranges.length === 1) return ranges[0];
    const id = this.mrng!.nextInt(-2 * (ranges.length - 1), ranges.length - 2);
    return id < 0 ? ranges[0] : ranges[id + 1];
  }

  private biasedNow(): boolean {
    return this.bias !== undefined && this.mrng!.nextInt(1, this.bias) === 1;
  }

  /** fast-check's draw of a number of `r`: uniform, or in a biased run now and then from a small range. */
  private number(r: Range<number>): number {
    const replayed = this.replayedRank();
    let v: number;
    if (replayed !== undefined) v = valueOf(Number(replayed), r.min, r.max);
    else if (this.biasedNow()) {
      const range = this.pickRange(r.biased); // not destructured: no iterator per biased draw
      v = range[0] + this.uniform(range[1] - range[0]);
    } else v = r.min + this.uniform(r.max - r.min);
    if (this.recording) this.out.push(rankOf(v, r.min, r.max));
    return v;
  }

  value<T extends number | bigint>(r: Range<T>): T {
    if (typeof r.min === 'number') return this.number(r as Range<number>) as T;
    const b = r as Range<bigint>;
    if (b.asNumber) return BigInt(this.number(b.asNumber)) as T;
    // wider than a double holds exactly: fast-check's own bigint draw
    const replayed = this.replayedRank();
    let v: bigint;
    if (replayed !== undefined) v = bigValueOf(BigInt(replayed), b.min, b.max);
    else if (this.biasedNow()) {
      const range = this.pickRange(b.biased);
      v = this.mrng!.nextBigInt(range[0], range[1]);
    } else v = this.mrng!.nextBigInt(b.min, b.max);
    if (this.recording) this.out.push(bigRankOf(v, b.min, b.max));
    return v as T;
  }

  private index(n: number): number {
    const r = this.replayedRank();
    const i = r === undefined ? this.mrng!.nextInt(0, n - 1) : Math.min(Number(r), n - 1);
    if (this.recording) this.out.push(i);
    return i;
  }

  from<T>(values: readonly T[]): T {
    return values[this.index(values.length)];
  }

  oneof<T, A = undefined>(choice: Choice<T, A>, arg?: A): T {
    const r = this.replayedRank();
    let i: number;
    if (r !== undefined) i = Math.min(Number(r), choice.gens.length - 1);
    else for (let pick = this.mrng!.nextInt(0, choice.total - 1), b = 0; ; b++) if ((pick -= choice.weights[b]) < 0) { i = b; break; }
    if (!this.recording) return choice.gens[i](this, arg as A);
    this.out.push(i);
    return this.within(this.replaying ? this.next() : undefined, choice.gens[i], arg as A);
  }

  bool(): boolean {
    return this.index(2) === 1;
  }

  // fast-check's ArrayArbitrary.generate: a length up to min(2 * min + 10, max) ("small" size),
  // in a biased run sometimes a short one, and the items biased only when the length was
  list<T>(min: number, max: number, item: Gen<T>): T[] {
    const most = Math.min(2 * min + 10, max);
    const mrng = this.mrng;
    let n: number, itemBias: number | undefined = this.bias;
    let replayed: readonly Tape[] = [];
    if (this.replaying) {
      const e = this.next();
      replayed = e instanceof Items ? e.items : [];
      n = Math.max(min, Math.min(replayed.length, max));
    } else if (this.bias === undefined || min === most) {
      n = mrng!.nextInt(min, most);
    } else if (mrng!.nextInt(1, this.bias) !== 1) {
      n = mrng!.nextInt(min, most);
      itemBias = undefined;
    } else if (mrng!.nextInt(1, this.bias) !== 1) {
      n = mrng!.nextInt(min, most);
    } else {
      n = mrng!.nextInt(min, min + log2(most - min));
    }
    const outer = this.bias, out = this.out;
    this.bias = itemBias;
    const values: T[] = [];
    if (!this.recording) {
      try {
        for (let i = 0; i < n; i++) values.push(item(this));
      } finally {
        this.bias = outer;
      }
      return values;
    }
    const tapes: Entry[] = [];
    this.out = tapes;
    try {
      for (let i = 0; i < n; i++) values.push(this.within(replayed[i], item, undefined));
    } finally {
      this.bias = outer;
      this.out = out;
    }
    out.push(new Items(tapes as Tape[], min));
    return values;
  }

  unbiased<T>(f: Gen<T>): T {
    const outer = this.bias;
    this.bias = undefined;
    try {
      return f(this);
    } finally {
      this.bias = outer;
    }
  }
}

/** The tape as one sequence of ranks, a list's count (less its fewest) before its items. */
function* ranks(t: Tape): Generator<Rank> {
  for (const e of t) {
    if (isRank(e)) yield e;
    else if (e instanceof Items) {
      yield e.items.length - e.min;
      for (const item of e.items) yield* ranks(item);
    } else yield* ranks(e);
  }
}

/**
 * Whether tape `a` comes before `b`, rank by rank: every shrink step lowers some rank and keeps
 * those before it, and tapes are of bounded length, so shrinking always ends.
 */
function before(a: Tape, b: Tape): boolean {
  const x = ranks(a), y = ranks(b);
  for (;;) {
    const p = x.next(), q = y.next();
    if (p.done || q.done) return Boolean(p.done) && !q.done;
    if (p.value !== q.value) return p.value < q.value;
  }
}

/** fast-check's integer shrink: the target, then halfway back each time, up to one step away. */
function* towardZero(r: Rank): Generator<Rank> {
  if (typeof r === 'bigint') {
    for (let gap = r; gap > 0n; gap /= 2n) yield r - gap;
    return;
  }
  for (let gap = r; gap > 0; gap = Math.floor(gap / 2)) yield r - gap;
}

const put = (t: Tape, i: number, e: Entry): Tape => t.map((x, j) => (j === i ? e : x));

/** The tape with one list item fewer, for every item of every list (outer lists first). */
function* dropped(t: Tape): Generator<Tape> {
  for (let i = 0; i < t.length; i++) {
    const e = t[i];
    if (e instanceof Items) {
      if (e.items.length > e.min) for (let j = 0; j < e.items.length; j++) yield put(t, i, new Items(e.items.filter((_, k) => k !== j), e.min));
      for (let j = 0; j < e.items.length; j++) for (const item of dropped(e.items[j])) yield put(t, i, new Items(put(e.items, j, item) as Tape[], e.min));
    } else if (Array.isArray(e)) for (const sub of dropped(e)) yield put(t, i, sub);
  }
}

/** The tape with one choice lower, for every choice in order; a lower branch starts at its simplest. */
function* lowered(t: Tape): Generator<Tape> {
  for (let i = 0; i < t.length; i++) {
    const e = t[i];
    if (isRank(e)) {
      const branch = Array.isArray(t[i + 1]);
      for (const r of towardZero(e)) yield branch ? put(put(t, i, r), i + 1, []) : put(t, i, r);
    } else if (e instanceof Items) {
      for (let j = 0; j < e.items.length; j++) for (const item of lowered(e.items[j])) yield put(t, i, new Items(put(e.items, j, item) as Tape[], e.min));
    } else for (const sub of lowered(e)) yield put(t, i, sub);
  }
}

/** A value's context before it is shrunk: where its draws came from, to draw them again recording. */
class Unrecorded {
  constructor(readonly mrng: fc.Random, readonly bias: number | undefined) {}
}

class TapeArbitrary<T> extends fc.Arbitrary<T> {
  constructor(private readonly gen: Gen<T>) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    const start = mrng.clone();
    const value = this.gen(new Drawing(mrng, undefined, biasFactor, false));
    return new fc.Value(value, new Unrecorded(start, biasFactor));
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return false; // a value says nothing of the choices that made it
  }

  shrink(_: T, context: unknown): fc.Stream<fc.Value<T>> {
    const tape = context instanceof Unrecorded ? this.recorded(context) : context;
    return Array.isArray(tape) ? new fc.Stream(this.smaller(tape)) : fc.Stream.nil();
  }

  /** The tape of a drawing made without one: the same draws again from a copy of its stream, recorded. */
  private recorded(u: Unrecorded): Tape {
    const d = new Drawing(u.mrng.clone(), undefined, u.bias);
    this.gen(d);
    return d.tape;
  }

  /** The values of smaller tapes: every list item dropped, then every choice moved toward its simplest. */
  private *smaller(tape: Tape): Generator<fc.Value<T>> {
    for (const candidates of [dropped(tape), lowered(tape)]) {
      for (const from of candidates) {
        const d = new Drawing(undefined, from, undefined);
        const value = this.gen(d);
        // replayed, a tape may read differently (a lower branch draws other choices): only a smaller one is a step
        if (before(d.tape, tape)) yield new fc.Value(value, d.tape);
      }
    }
  }
}

/** The fast-check arbitrary of a generator. */
export const arbitrary = <T>(gen: Gen<T>): fc.Arbitrary<T> => new TapeArbitrary(gen);
