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

test('shrinking a value twice gives the same candidates (its tape is drawn again from a copy of its stream)', () => {
  for (let seed = 0; seed < 5; seed++) expect(drawnAndCandidates(items, seed)).toEqual(drawnAndCandidates(items, seed));
});

test('a failing list shrinks to its fewest items and a least failing sum: each item one lower passes', () => {
  const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
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
  for (let seed = 0; seed < 10; seed++) {
    // fails on values at least 3 away from the simplest (0, or the end of the range nearest to it)
    const target = min > 0 ? min : max < 0 ? max : 0;
    const r = fc.check(fc.property(arbitrary(gen), (v) => Math.abs(v - target) < 3), { seed, numRuns: 100 });
    if (!r.failed) continue;
    expect(Math.abs(r.counterexample![0] - target)).toBe(3);
  }
});
