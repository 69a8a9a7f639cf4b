// The xarray model case by case, with the examples of KERNEL-FACTS §4: chunking by
// xa_store_range, the first and later indices of a walk, xa_find, and the first index the documents pin.

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

// The first index, case by case in the style of lib/test_xarray.c's check_multi_find_1, as the
// documents pin it: start when it lies inside an entry ("it will not be altered", xarray.rst),
// the entry's first index when the walk enters it from below; later visits are the next
// entries' first indices.
const first = (l: ReturnType<typeof layoutOf>, start: bigint, last: bigint) => walk(l, start, last)[0]?.index;

test('a walk of [0, 0] inside a binding [0, 63] yields 0 (never past last)', () => {
  const l = layoutOf(64n, [[0n, 64n, 0n]]);
  expect(chunksOf(l).map((c) => [c.first, c.last])).toEqual([[0n, 63n]]);
  expect(first(l, 0n, 0n)).toBe(0n);
  expect(first(layoutOf(2n, [[0n, 2n, 0n]]), 0n, 0n)).toBe(0n);
  expect(xaFind(l, 0n, 0n)).toMatchObject({ index: 0n });
});

test('a walk of [5, 10] inside chunk [0, 63] yields 5 ("it will not be altered")', () => {
  expect(first(layoutOf(64n, [[0n, 64n, 0n]]), 5n, 10n)).toBe(5n);
});

test('later visits are the next entries\' first indices', () => {
  expect(visits(walk(abc(), 50n, 69n))).toEqual([[50n, 0], [64n, 0]]); // A is [1, 63] [64, 100]
});

test('a walk entering an entry from below yields its first index', () => {
  const l = abc();
  expect(first(l, 150n, 299n)).toBe(200n); // a gap, then B's first chunk [200, 255]
  expect(first(l, 0n, 0n)).toBeUndefined(); // nothing at 0: no visit
  expect(first(l, 0n, 5n)).toBe(1n);
  const high = layoutOf(128n, [[64n, 64n, 0n]]);
  expect(first(high, 10n, 100n)).toBe(64n);
  expect(xaFind(high, 10n, 100n)).toMatchObject({ index: 64n });
});

test('xa_find leaves an index inside an entry unaltered, and misses past every entry', () => {
  const l = abc(); // [64, 100] holds 70
  expect(xaFind(l, 70n, 80n)).toMatchObject({ index: 70n });
  expect(xaFind(l, 101n, 199n)).toBeNull();
});

test('over every [start, last] of a small file, the first index is start inside an entry, else the entry\'s first', () => {
  // chunks [1, 63] [64, 100] of slot 0, [130, 191] [192, 200] of slot 1
  const l = layoutOf(256n, [[1n, 100n, 0n], [130n, 71n, 1000n]]);
  const chunks = chunksOf(l);
  for (let start = 0n; start < 210n; start += 3n) {
    for (let last = start; last < 210n; last += 7n) {
      const chunk = chunks.find((c) => c.last >= start && c.first <= last);
      expect([start, last, first(l, start, last)]).toEqual([start, last, chunk ? (start < chunk.first ? chunk.first : start) : undefined]);
    }
  }
});

test('a 2^31-page binding at an unaligned offset stays a handful of chunks', () => {
  const l = layoutOf(1n << 33n, [[5n, (1n << 31n) - 1n, 0n]]);
  expect(chunksOf(l).length).toBeLessThan(64 * 12);
  expect(chunksOf(l).at(-1)!.last).toBe(5n + (1n << 31n) - 2n);
});
