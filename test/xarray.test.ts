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

test('contract mode: the first index is any index inside the entry holding start, chosen by pick', () => {
  const l = abc();
  expect(visits(walk(l, 50n, 69n, { kind: 'contract', pick: 0n }))).toEqual([[1n, 0], [64n, 0]]);
  expect(visits(walk(l, 50n, 69n, { kind: 'contract', pick: 62n }))).toEqual([[63n, 0], [64n, 0]]);
  expect(visits(walk(l, 50n, 69n, { kind: 'contract', pick: 63n }))).toEqual([[1n, 0], [64n, 0]]); // modulo the entry
  // entered from below, the contract promises the entry's first index (check_multi_find_1)
  expect(visits(walk(l, 150n, 299n, { kind: 'contract', pick: 9n }))).toEqual([[200n, 1], [256n, 1]]);
});

test('a 2^31-page binding at an unaligned offset stays a handful of chunks', () => {
  const l = layoutOf(1n << 33n, [[5n, (1n << 31n) - 1n, 0n]]);
  expect(chunksOf(l).length).toBeLessThan(64 * 12);
  expect(chunksOf(l).at(-1)!.last).toBe(5n + (1n << 31n) - 2n);
});
