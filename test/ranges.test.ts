// The range set arithmetic of model/ranges.ts: cutFrom(), the in-place cut a VM's mappings take
// on every unmap, against subtract(), the plain definition.

import fc from 'fast-check';
import { Range, covers, cutFrom, intersect, normalize, subtract } from '../model/ranges';

const r = (start: number, end: number): Range => ({ start: BigInt(start), end: BigInt(end) });

test('cutFrom splits, trims and drops ranges as subtract does', () => {
  const set = normalize([r(0, 4), r(6, 8), r(10, 12)]);
  expect(cutFrom(set, r(2, 7))).toBe(true);
  expect(set).toEqual([r(0, 2), r(7, 8), r(10, 12)]);
  expect(cutFrom(set, r(8, 10))).toBe(false); // the gap between two ranges: nothing mapped
  expect(cutFrom(set, r(5, 3))).toBe(false); // an empty (reversed) range cuts nothing
  expect(cutFrom(set, r(0, 100))).toBe(true);
  expect(set).toEqual([]);
});

test('cutFrom equals subtract on any set and range, and says whether they met', () => {
  const range = fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 })).map(([a, b]) => r(a, b));
  fc.assert(fc.property(fc.array(range, { maxLength: 8 }), range, (rs, cut) => {
    const set = normalize(rs);
    const before = [...set];
    const met = cutFrom(set, cut);
    expect(set).toEqual(subtract(before, [cut]));
    expect(met).toBe(before.some((m) => intersect(m, cut) !== null));
  }), { numRuns: 500, seed: 1 });
});

test('covers() says whether subtract() leaves nothing, and normalize() gives the one sorted, disjoint, non-adjacent list', () => {
  const range = fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 })).map(([a, b]) => r(a, b));
  fc.assert(fc.property(fc.array(range, { maxLength: 8 }), range, (rs, need) => {
    const set = normalize(rs);
    expect(covers(set, need)).toBe(subtract([need], set).length === 0);
    // the indices the list holds are those of rs, each once, in order, with a gap between ranges
    const indices = (xs: readonly Range[]) => [...new Set(xs.flatMap((x) => Array.from({ length: Math.max(0, Number(x.end - x.start)) }, (_, i) => Number(x.start) + i)))].sort((a, b) => a - b);
    expect(indices(set)).toEqual(indices(rs));
    for (let i = 0; i < set.length; i++) {
      expect(set[i].start < set[i].end).toBe(true);
      if (i > 0) expect(set[i - 1].end < set[i].start).toBe(true);
      expect(rs).not.toContain(set[i]); // copies, never the ranges it was given
    }
  }), { numRuns: 500, seed: 1 });
});
