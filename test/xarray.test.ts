// The xarray model case by case, with the examples of KERNEL-FACTS §4: chunking by
// xa_store_range, the first and later indices of a walk, xa_find, and the contract mode.

import { chunksOf, storeRangeChunks, walk, xaFind } from '../model/xarray';
import { layoutOf } from './helpers';

const visits = (vs: ReturnType<typeof walk>) => vs.map((v) => [v.index, v.slot.id]);

test.each([
  [1n, 100n, [[1n, 63n], [64n, 100n]]],
  [0n, 127n, [[0n, 127n]]],
  [0n, 126n, [[0n, 63n], [64n, 126n]]],
  [5n, 4100n, [[5n, 63n], [64n, 4095n], [4096n, 4100n]]],
  [0n, (1n << 21n) - 1n, [[0n, (1n << 21n) - 1n]]],
  [64n, 575n, [[64n, 575n]]],
  [3n, 3n, [[3n, 3n]]],
])('xa_store_range(%s, %s) makes the measured chunks', (first, last, chunks) => {
  expect(storeRangeChunks(first, last)).toEqual(chunks);
});

// A [1,101) base 1000, B [200,4296) base 5000, C [8192,8320): §4 gives C base 9000, but B's gfns
// [5000, 9096) overlap it and bind() refuses that with -EEXIST, so C sits at 10000 here.
const abc = () => layoutOf(9000n, [[1n, 100n, 1000n], [200n, 4096n, 5000n], [8192n, 128n, 10000n]]);

test('release visits each chunk once, a slot once per chunk', () => {
  expect(visits(walk(abc(), 0n, (1n << 64n) - 2n))).toEqual([[1n, 0], [64n, 0], [200n, 1], [256n, 1], [4096n, 1], [4288n, 1], [8192n, 2]]);
});

test('the first visit yields start when start is inside a chunk, later visits the chunk start', () => {
  expect(visits(walk(abc(), 50n, 69n))).toEqual([[50n, 0], [64n, 0]]);
  expect(visits(walk(abc(), 64n, 64n))).toEqual([[64n, 0]]);
});

test('a walk starting in a gap yields the first index of the next chunk', () => {
  expect(visits(walk(abc(), 150n, 299n))).toEqual([[200n, 1], [256n, 1]]);
});

test('a walk over no binding visits nothing, and start > last visits nothing', () => {
  expect(walk(abc(), 101n, 199n)).toEqual([]);
  expect(walk(abc(), 70n, 60n)).toEqual([]);
});

test('xa_find returns the first present entry, or null (the index is left alone on a miss)', () => {
  expect(xaFind(abc(), 150n, 300n)).toMatchObject({ index: 200n, slot: { id: 1 } });
  expect(xaFind(abc(), 70n, 80n)).toMatchObject({ index: 70n, slot: { id: 0 } });
  expect(xaFind(abc(), 101n, 199n)).toBeNull();
});

// Contract mode, case by case in the style of lib/test_xarray.c's check_multi_find_1: over
// every pick, the first index of a walk (and of xa_find) is exactly what the documents allow:
// start when it lies inside an entry ("it will not be altered", xarray.rst), the entry's first
// index when the walk enters it from below; later visits are the next entries' first indices.
const contract = (pick: bigint) => ({ kind: 'contract', pick }) as const;
const PICKS = [...Array.from({ length: 160 }, (_, i) => BigInt(i)), (1n << 63n) - 1n, (1n << 64n) - 1n];
/** The distinct first indices contract mode yields for walk(start, last), over PICKS, sorted. */
const firstIndices = (l: ReturnType<typeof layoutOf>, start: bigint, last: bigint) =>
  [...new Set(PICKS.map((p) => walk(l, start, last, contract(p))[0]?.index))].sort((a, b) => (a! < b! ? -1 : 1));

test('contract: a walk of [0, 0] inside a binding [0, 63] yields 0 (never past last)', () => {
  const l = layoutOf(64n, [[0n, 64n, 0n]]);
  expect(chunksOf(l).map((c) => [c.first, c.last])).toEqual([[0n, 63n]]);
  expect(firstIndices(l, 0n, 0n)).toEqual([0n]);
  // the report that found the old rule: binding [0, 1], punch of page 0, first index 1
  expect(firstIndices(layoutOf(2n, [[0n, 2n, 0n]]), 0n, 0n)).toEqual([0n]);
  expect(xaFind(l, 0n, 0n, contract(1n))).toMatchObject({ index: 0n });
});

test('contract: a walk of [5, 10] inside chunk [0, 63] yields 5, whatever the pick', () => {
  const l = layoutOf(64n, [[0n, 64n, 0n]]);
  expect(firstIndices(l, 5n, 10n)).toEqual([5n]);
  expect(walk(l, 5n, 10n)[0].index).toBe(5n);
});

test('contract: later visits are the next entries\' first indices, as faithfully', () => {
  const l = abc(); // A is [1, 63] [64, 100]
  for (const p of PICKS) expect(visits(walk(l, 50n, 69n, contract(p)))).toEqual([[50n, 0], [64n, 0]]);
  for (const p of PICKS) expect(visits(walk(l, 90n, 8191n, contract(p)))).toEqual(visits(walk(l, 90n, 8191n)));
});

test('contract: a walk entering an entry from below yields its first index, whatever the pick', () => {
  const l = abc();
  expect(firstIndices(l, 150n, 299n)).toEqual([200n]); // a gap, then B's first chunk [200, 255]
  expect(firstIndices(l, 0n, 0n)).toEqual([undefined]); // nothing at 0: no visit
  expect(firstIndices(l, 0n, 5n)).toEqual([1n]);
  const high = layoutOf(128n, [[64n, 64n, 0n]]);
  expect(firstIndices(high, 10n, 100n)).toEqual([64n]);
  expect(xaFind(high, 10n, 100n, contract(7n))).toMatchObject({ index: 64n });
});

test('contract: xa_find leaves an index inside an entry unaltered, and misses as faithfully', () => {
  const l = abc(); // [64, 100] holds 70
  expect([...new Set(PICKS.map((p) => xaFind(l, 70n, 80n, contract(p))!.index))]).toEqual([70n]);
  expect(xaFind(l, 70n, 80n)).toMatchObject({ index: 70n });
  expect(xaFind(l, 101n, 199n, contract(3n))).toBeNull();
});

test('contract: over every [start, last] of a small file, every walk is the faithful walk', () => {
  // chunks [1, 63] [64, 100] of slot 0, [130, 191] [192, 200] of slot 1
  const l = layoutOf(256n, [[1n, 100n, 0n], [130n, 71n, 1000n]]);
  const chunks = chunksOf(l);
  for (let start = 0n; start < 210n; start += 3n) {
    for (let last = start; last < 210n; last += 7n) {
      const faithful = walk(l, start, last);
      const chunk = chunks.find((c) => c.last >= start && c.first <= last);
      expect([start, last, firstIndices(l, start, last)]).toEqual([start, last, [chunk ? (start < chunk.first ? chunk.first : start) : undefined]]);
      for (const p of [1n, 2n, 1n << 40n]) expect(visits(walk(l, start, last, contract(p)))).toEqual(visits(faithful));
    }
  }
});

test('a 2^31-page binding at an unaligned offset stays a handful of chunks', () => {
  const l = layoutOf(1n << 33n, [[5n, (1n << 31n) - 1n, 0n]]);
  expect(chunksOf(l).length).toBeLessThan(64 * 12);
  expect(chunksOf(l).at(-1)!.last).toBe(5n + (1n << 31n) - 2n);
});
