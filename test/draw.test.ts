// properties/draw.ts: a value is drawn without a tape, and its tape is made again only when it is
// shrunk. The shrink candidates must be those of the value that was drawn, at any bias.
import fc from 'fast-check';
import { Gen, arbitrary, big, oneof } from '../properties/draw';

/** Every value fc.check hands a predicate that fails only on the first: the value drawn, then each candidate of its shrink. */
function drawnAndCandidates<T>(gen: Gen<T>, seed: number): { drawn: T; candidates: T[] } {
  const seen: T[] = [];
  fc.check(fc.property(arbitrary(gen), (v) => { seen.push(v); return seen.length > 1; }), { seed, numRuns: 1 });
  return { drawn: seen[0], candidates: seen.slice(1) };
}

const items: Gen<bigint[]> = (d) => d.list(2, 8, big(0n, 1000n));

test.each([1, 2, 3, 4, 5, 6, 7, 8])('the first shrink candidates of a list drawn at seed %i are that list less one item each', (seed) => {
  const { drawn, candidates } = drawnAndCandidates(items, seed);
  const dropped = drawn.length > 2 ? drawn.map((_, j) => drawn.filter((__, k) => k !== j)) : [];
  expect(candidates.slice(0, dropped.length)).toEqual(dropped);
  // then each item lowered toward 0, the first item first
  const lowered = candidates[dropped.length];
  if (drawn[0] > 0n) expect(lowered).toEqual([0n, ...drawn.slice(1)]);
});

test('a branch of a oneof shrinks from the choices it drew, not from another drawing', () => {
  const gen: Gen<readonly [string, bigint]> = oneof<readonly [string, bigint]>(
    [1, (d) => ['small', big(0n, 10n)(d)]],
    [1, (d) => ['large', big(1000n, 1n << 60n)(d)]],
  );
  for (let seed = 0; seed < 20; seed++) {
    const { drawn, candidates } = drawnAndCandidates(gen, seed);
    // a lower branch starts at its simplest; every other candidate keeps the branch and lowers the value drawn
    for (const c of candidates) {
      if (c[0] === drawn[0]) expect(c[1] < drawn[1]).toBe(true);
      else expect(c).toEqual(['small', 0n]);
    }
    if (drawn[0] === 'large' && drawn[1] > 1000n) expect(candidates).toContainEqual(['large', 1000n]);
  }
});

const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
const same = (a: bigint[], b: bigint[]) => a.length === b.length && a.every((x, j) => x === b[j]);
/** x is x0 less one item, or x0 with one item lowered. */
const oneStepFrom = (x0: bigint[], x: bigint[]) =>
  (x.length === x0.length - 1 && x0.some((_, j) => same(x0.filter((__, k) => k !== j), x))) ||
  (x.length === x0.length && x.filter((v, j) => v !== x0[j]).length === 1 && x.every((v, j) => v <= x0[j]));

test('a value shrunk again (a tuple\'s item, after the other item shrank) shrinks from its own draws each time', () => {
  let checked = 0;
  for (let seed = 0; seed < 20; seed++) {
    let x0: bigint[] | undefined;
    const candidates: bigint[][] = [];
    fc.check(fc.property(fc.tuple(arbitrary(items), arbitrary(items)), ([x, y]) => {
      x0 ??= x;
      if (!same(x, x0)) { candidates.push(x); return true; } // every candidate of x passes: x is shrunk again after y shrinks
      return sum(y) < 500n;
    }), { seed, numRuns: 1 });
    for (const x of candidates) { checked++; expect(oneStepFrom(x0!, x)).toBe(true); }
  }
  expect(checked).toBeGreaterThan(0);
});

test('a value drawn at a later run, at another bias, shrinks from its own draws', () => {
  for (let seed = 0; seed < 10; seed++) {
    const seen: bigint[][] = [];
    fc.check(fc.property(arbitrary(items), (xs) => seen.push(xs) !== 151), { seed, numRuns: 200 });
    const drawn = seen[150], candidates = seen.slice(151);
    const dropped = drawn.length > 2 ? drawn.map((_, j) => drawn.filter((__, k) => k !== j)) : [];
    expect(candidates.slice(0, dropped.length)).toEqual(dropped);
    if (drawn[0] > 0n) expect(candidates[dropped.length]).toEqual([0n, ...drawn.slice(1)]);
  }
});

test('what is drawn after a list shrinks from its own draws (the list gives back the bias it changed)', () => {
  const gen: Gen<[bigint[], number]> = (d) => [d.list(0, 5, big(0n, 1000n)), d.value({ min: 0, max: 1000, biased: [[0, 9], [991, 1000]] })];
  for (let seed = 0; seed < 30; seed++) {
    const seen: Array<[bigint[], number]> = [];
    fc.check(fc.property(arbitrary(gen), (v) => seen.push(v) !== 41), { seed, numRuns: 100 });
    const [xs, n] = seen[40];
    for (const [ys, m] of seen.slice(41)) {
      expect(m).toBeLessThanOrEqual(n);
      expect(ys.length).toBeLessThanOrEqual(xs.length);
    }
    if (xs.length > 0) expect(seen[41]).toEqual([xs.slice(1), n]);
  }
});

test('a failing list shrinks to its fewest items and a least failing sum: each item one lower passes', () => {
  for (let seed = 0; seed < 10; seed++) {
    const r = fc.check(fc.property(arbitrary(items), (xs) => sum(xs) < 500n), { seed, numRuns: 200 });
    expect(r.failed).toBe(true);
    const [xs] = r.counterexample!;
    expect(xs).toHaveLength(2);
    expect(sum(xs)).toBe(500n);
  }
});

test.each([[0, 100], [5, 100], [-100, 0], [-100, -5], [-50, 50]])('a choice of [%i, %i] shrinks one by one to its least failing value', (min, max) => {
  const gen: Gen<number> = (d) => d.value({ min, max, biased: [[min, max]] });
  let failed = 0;
  for (let seed = 0; seed < 10; seed++) {
    // fails on values at least 3 away from the simplest (0, or the end of the range nearest to it)
    const target = min > 0 ? min : max < 0 ? max : 0;
    const r = fc.check(fc.property(arbitrary(gen), (v) => Math.abs(v - target) < 3), { seed, numRuns: 100 });
    if (!r.failed) continue;
    failed++;
    expect(Math.abs(r.counterexample![0] - target)).toBe(3);
  }
  expect(failed).toBeGreaterThan(0); // a seed that never fails shrinks nothing
});

test('a bigint of a range wider than 2^53 from 0 shrinks one by one to its least failing value', () => {
  const least = 10n ** 18n + 7n;
  let failed = 0;
  for (let seed = 0; seed < 10; seed++) {
    const r = fc.check(fc.property(arbitrary(big(0n, (1n << 64n) - 1n)), (v) => v < least), { seed, numRuns: 200 });
    if (r.failed) { failed++; expect(r.counterexample![0]).toBe(least); }
  }
  expect(failed).toBeGreaterThan(0);
});
