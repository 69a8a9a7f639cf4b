// The faithful xarray walk reproduces every visit list measured on the real lib/xarray.c
// (test/data/README.md). XARRAY_VECTORS points the test at another file of the same format.

import fs from 'fs';
import path from 'path';
import { walk } from '../model/xarray';
import { layoutOf } from './helpers';

interface Vector {
  bindings: Array<{ id: number; pgoff: string; npages: string }>;
  queries: Array<{ start: string; end: string; visits: Array<[string, number]> }>;
}

const file = process.env.XARRAY_VECTORS || path.join(__dirname, 'data', 'xarray-vectors.jsonl');
const vectors: Vector[] = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

test(`the vector file ${path.basename(file)} is not empty`, () => {
  expect(vectors.length).toBeGreaterThan(0);
});

test('every measured walk is reproduced by the faithful model', () => {
  const mismatches: string[] = [];
  let queries = 0;
  for (const [n, v] of vectors.entries()) {
    // bind in id order so slot ids in the model are the vector's ids
    const sorted = [...v.bindings].sort((a, b) => a.id - b.id);
    sorted.forEach((b, i) => { if (b.id !== i) throw new Error(`vector ${n}: ids must be 0..k-1`); });
    const end = sorted.reduce((m, b) => (BigInt(b.pgoff) + BigInt(b.npages) > m ? BigInt(b.pgoff) + BigInt(b.npages) : m), 1n);
    const layout = layoutOf(end, sorted.map((b, i) => [BigInt(b.pgoff), BigInt(b.npages), BigInt(i) << 32n]));
    for (const q of v.queries) {
      queries++;
      const got = walk(layout, BigInt(q.start), BigInt(q.end) - 1n).map((x) => `${x.index}:${x.slot.id}`).join(' ');
      const want = q.visits.map(([i, id]) => `${i}:${id}`).join(' ');
      if (got !== want && mismatches.length < 5) mismatches.push(`vector ${n} [${q.start}, ${q.end}): want ${want}, got ${got}`);
    }
  }
  expect(mismatches).toEqual([]);
  expect(queries).toBeGreaterThan(vectors.length);
});
