// Generator statistics: what share of generated cases exercise each feature the properties
// depend on, so a test can assert that the generators have not silently decayed.

import fc from 'fast-check';
import { resolve } from '../model/callers';
import { WORD64 } from '../model/word';
import { chunksOf } from '../model/xarray';
import { caseArb } from './arbitraries';
import { Case, materialize } from './case';

export const FEATURES = {
  'several slots': (c: Case) => c.layout.slots.length > 1,
  'punch spans slots': (c: Case) => overlapped(c) > 1,
  'starts on a slot edge': (c: Case) => onEdge(c, 'start'),
  'ends on a slot edge': (c: Case) => onEdge(c, 'end'),
  'starts or ends one page off an edge': (c: Case) => offByOne(c),
  'multi-chunk binding': (c: Case) => { const l = materialize(c.layout); return chunksOf(l).length > l.slots.length; },
  'overlaps no binding': (c: Case) => range(c) !== null && overlapped(c) === 0,
  'refused by fallocate': (c: Case) => c.op.kind === 'punch' && range(c) === null,
  'release': (c: Case) => c.op.kind === 'release',
  'memory failure': (c: Case) => c.op.kind === 'memory-failure',
  'gfns above 2^32': (c: Case) => c.layout.slots.some((s) => s.base_gfn >= 1n << 32n),
  'pgoff above 2^32': (c: Case) => c.layout.slots.some((s) => s.pgoff >= 1n << 32n),
} as const;

export type Feature = keyof typeof FEATURES;

function range(c: Case): [bigint, bigint] | null {
  const r = resolve(materialize(c.layout), c.op, WORD64);
  return r.kind === 'invalidate' ? [r.start, r.end] : null;
}

function overlapped(c: Case): number {
  const r = range(c);
  if (!r) return 0;
  return c.layout.slots.filter((s) => s.pgoff < r[1] && r[0] < s.pgoff + s.npages).length;
}

const edges = (c: Case) => c.layout.slots.flatMap((s) => [s.pgoff, s.pgoff + s.npages]);

function onEdge(c: Case, which: 'start' | 'end'): boolean {
  const r = range(c);
  return r !== null && c.op.kind === 'punch' && edges(c).includes(which === 'start' ? r[0] : r[1]);
}

function offByOne(c: Case): boolean {
  const r = range(c);
  return r !== null && c.op.kind === 'punch' && edges(c).some((e) => [r[0], r[1]].some((x) => x === e - 1n || x === e + 1n));
}

/** The share of `n` sampled cases that have each feature. */
export function featureShares(n: number, seed: number): Record<Feature, number> {
  const sample = fc.sample(caseArb, { numRuns: n, seed });
  const out = {} as Record<Feature, number>;
  for (const [name, has] of Object.entries(FEATURES) as Array<[Feature, (c: Case) => boolean]>) {
    out[name] = sample.filter(has).length / n;
  }
  return out;
}
