// The exhaustive small scope enumerates what it promises (every placement, gfn order, punch,
// folio; shards that partition the job; the symmetry cut, which leaves out only layouts equal
// to kept ones up to a shift, and folios a punch equals, and misses no failure), proves
// upstream and fixed's range math over a small scope, and finds every shipped buggy variant's
// failure with its smallest case.

import path from 'path';
import { MAX_FOLIO_ORDER, Operation, resolve } from '../model/callers';
import { WORD64 } from '../model/word';
import { PropertyId, Variant, expectations } from '../model/variant';
import { property } from '../properties/properties';
import { bugsOf } from '../bench/detection';
import { SlotSpec, materialize } from '../properties/case';
import {
  caseSize, cases, checkExhaustive, countScope, gfnPlacements, hasLayouts, layouts, operations, parseShard, placements,
} from '../properties/engine/exhaustive';
import { loadVariantFile, loadVariants } from '../properties/registry';

const variants = loadVariants();
const named = (name: string) => variants.find((v) => v.name === name)!;
const key = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}` : v));
const verdictOf = (rs: ReturnType<typeof checkExhaustive>) => Object.fromEntries(rs.map((r) => [r.property, r.actual]));

test('a shard is i/n with 0 <= i < n', () => {
  expect(parseShard('1/1')).toEqual({ index: 0, count: 1 });
  expect(parseShard('3/3')).toEqual({ index: 2, count: 3 });
  for (const bad of ['0/4', '5/4', '4/3', '1/0', 'a/b', 'x/y', '1', '-1/2', '1/2/3', ' 1/2', '1e3/2000']) expect(() => parseShard(bad)).toThrow(/a shard is i\/n with 1 <= i <= n/);
});

test('every placement of up to 3 disjoint bindings in N pages, each once', () => {
  const all = [...placements({ maxPages: 4 })];
  expect(new Set(all.map(key)).size).toBe(all.length);
  // brute force: every set of up to 3 disjoint non-empty intervals of [0, 4), sorted
  const intervals: Array<[bigint, bigint]> = [];
  for (let p = 0n; p < 4n; p++) for (let e = p + 1n; e <= 4n; e++) intervals.push([p, e - p]);
  let expected = 1; // no binding
  const disjoint = (xs: Array<[bigint, bigint]>) => xs.every(([p, n], i) => i === 0 || xs[i - 1][0] + xs[i - 1][1] <= p);
  for (const a of intervals) {
    expected++;
    for (const b of intervals) {
      if (disjoint([a, b])) expected++;
      for (const c of intervals) if (disjoint([a, b, c])) expected++;
    }
  }
  expect(all.length).toBe(expected);
  for (const bs of all) expect(bs.length).toBeLessThanOrEqual(3);
});

test('every order of the slots in gfn space, adjacent or one page apart', () => {
  const placed = [...gfnPlacements([[0n, 2n], [2n, 1n], [3n, 1n]])];
  expect(placed).toHaveLength(3 * 2 * 1 * 4);
  const orders = new Set(placed.map((slots) => [...slots].sort((a, b) => Number(a.base_gfn - b.base_gfn)).map((s) => s.id).join('')));
  expect([...orders].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
  for (const slots of placed) {
    const byGfn = [...slots].sort((a, b) => Number(a.base_gfn - b.base_gfn));
    expect(byGfn[0].base_gfn).toBe(0n);
    byGfn.slice(1).forEach((s, i) => expect([0n, 1n]).toContain(s.base_gfn - (byGfn[i].base_gfn + byGfn[i].npages)));
  }
});

test('every layout is one the kernel accepts, and countScope counts them', () => {
  for (const scope of [{ maxPages: 3 }, { maxPages: 4, origin: 62n }]) {
    let n = 0;
    for (const l of layouts(scope)) {
      n++;
      expect(materialize(l).slots).toHaveLength(l.slots.length);
      for (const s of l.slots) expect(s.pgoff >= (scope.origin ?? 0n) && s.pgoff + s.npages <= l.filePages).toBe(true);
    }
    const { layouts: counted, operations: ops, cases: total } = countScope(scope);
    expect(n).toBe(counted);
    expect([hasLayouts(scope, n), hasLayouts(scope, n + 1)]).toEqual([true, false]);
    expect(ops).toBeGreaterThan(0);
    expect(total).toBe([...cases(scope)].length); // the enumeration itself, not countScope's formula
  }
});

test('every punch [s, e) with 0 <= s < e <= N + 1, release, and every folio that starts in the file', () => {
  const ops = [...operations({ maxPages: 5, uncut: true })];
  const punches = ops.filter((o) => o.kind === 'punch').map((o) => (o.kind === 'punch' ? [o.offset / 4096n, (o.offset + o.len) / 4096n] : []));
  expect(punches).toHaveLength((6 * 7) / 2);
  expect(new Set(punches.map(key)).size).toBe(punches.length);
  for (const [s, e] of punches) expect(s >= 0n && s < e && e <= 6n).toBe(true);
  expect(ops.filter((o) => o.kind === 'release')).toHaveLength(1);
  const folios = ops.filter((o) => o.kind === 'memory-failure');
  let expected = 0;
  for (let order = 0; order <= MAX_FOLIO_ORDER; order++) expected += Math.ceil(5 / 2 ** order);
  expect(folios).toHaveLength(expected);
});

test('the cut runs a folio only where no punch of the scope has its range (the variant is called the same for both)', () => {
  const punch = materialize({ filePages: 5n, slots: [] });
  const ranges = (ops: Operation[], kind: Operation['kind']) => ops.filter((o) => o.kind === kind).map((o) => {
    const r = resolve(punch, o, WORD64);
    return r.kind === 'invalidate' ? `${r.start},${r.end}` : 'none';
  });
  const cut = [...operations({ maxPages: 5 })], uncut = [...operations({ maxPages: 5, uncut: true })];
  const punches = new Set(ranges(cut, 'punch'));
  const left = ranges(uncut, 'memory-failure').filter((r) => !punches.has(r));
  expect(ranges(cut, 'memory-failure')).toEqual(left);
  expect(left.length).toBeGreaterThan(0);
  expect(left.every((r) => BigInt(r.split(',')[1]) > 6n)).toBe(true);
  expect(cut.filter((o) => o.kind !== 'memory-failure')).toEqual(uncut.filter((o) => o.kind !== 'memory-failure'));
});

test('the symmetry cut keeps, of layouts equal up to a shift, those whose lowest binding starts at index 0, 1 or 2 and whose gfns start at 0 (1 too for one slot)', () => {
  const scope = { maxPages: 5 };
  const kept = [...layouts(scope)], all = [...layouts({ ...scope, uncut: true })];
  expect(kept.every((l) => l.slots.length === 0 || l.slots[0].pgoff <= 2n)).toBe(true);
  expect(all.some((l) => l.slots.length > 0 && l.slots[0].pgoff > 2n)).toBe(true);
  const lowest = (l: { slots: readonly SlotSpec[] }) => l.slots.reduce((m, s) => (s.base_gfn < m ? s.base_gfn : m), 1n << 60n);
  expect(new Set(kept.filter((l) => l.slots.length > 1).map(lowest))).toEqual(new Set([0n]));
  expect(new Set(kept.filter((l) => l.slots.length === 1).map(lowest))).toEqual(new Set([0n, 1n]));
  // every layout left out is a kept one shifted: its bindings moved down to start at 2 (or less), its gfns down to 0
  const keys = new Set(kept.map((l) => key(l.slots.map((s) => [s.pgoff, s.npages, s.base_gfn]))));
  for (const l of all) {
    const by = l.slots.length ? (l.slots[0].pgoff > 2n ? l.slots[0].pgoff - 2n : 0n) : 0n;
    const down = l.slots.length > 1 ? lowest(l) : 0n;
    expect(keys.has(key(l.slots.map((s) => [s.pgoff - by, s.npages, s.base_gfn - down])))).toBe(true);
  }
  // a window across an xarray node's edge keeps every placement: there a shift changes the chunks
  expect([...layouts({ maxPages: 4, origin: 62n })].some((l) => l.slots[0]?.pgoff === 65n)).toBe(true);
});

// each of these mutants fails that property, with one slot, only on layouts the cut keeps for it:
// a punch ending a page below the binding (the binding at index 2), the binding off index 0, its gfns above its indices
test.each([
  ['u-walk-all', 'no-collateral-unmap', 2n, 0n],
  ['u-start-no-minus-pgoff', 'no-stale-mapping', 1n, 0n],
  ['u-end-max-for-min', 'no-stale-mapping', 0n, 1n],
] as const)('a mutant killed only at a shifted layout stays killed: %s fails %s at pgoff %s, gfn %s', (name, id, pgoff, gfn) => {
  const mutant = loadVariantFile(path.join(__dirname, '..', 'bench', 'mutants', `${name}.ts`));
  const [r] = checkExhaustive(mutant, { maxPages: 5, maxSlots: 1, properties: [id] });
  expect(r.actual).toBe('fail');
  // the smallest failing case (a shift more would make it larger) is at that shift
  expect(r.counterexample!.case.layout.slots.map((s) => [s.pgoff, s.base_gfn])).toEqual([[pgoff, gfn]]);
});

test.each(['u-walk-all', 'u-walk-short', 'f-clamp-npages', 'u-end-max-for-min', 'u-min-signed', 'u-start-no-minus-pgoff', 'buggy', 'fixed', 'mike-base'])(
  'the cut misses nothing: %s fails the same properties with and without it (N = 5, up to 2 slots)', (name) => {
    const v = variants.find((x) => x.name === name) ?? loadVariantFile(path.join(__dirname, '..', 'bench', 'mutants', `${name}.ts`));
    const fails = (uncut: boolean) => checkExhaustive(v, { maxPages: 5, maxSlots: 2, uncut }).filter((r) => r.actual === 'fail').map((r) => r.property);
    expect(fails(false)).toEqual(fails(true));
  });

test('the shards of a scope partition its cases', () => {
  const scope = { maxPages: 3 };
  const whole = [...cases(scope)].map(key);
  const parts = [0, 1, 2].map((index) => [...cases(scope, { index, count: 3 })].map(key));
  expect(parts.reduce((n, p) => n + p.length, 0)).toBe(whole.length);
  expect(new Set(parts.flat())).toEqual(new Set(whole));
  expect(Math.max(...parts.map((p) => p.length)) - Math.min(...parts.map((p) => p.length))).toBeLessThanOrEqual(countScope(scope).operations);
});

test('a shard that holds no layout of the scope judges nothing: never a pass', () => {
  // N = 1 has 3 layouts; the command refuses a 4th shard, and the engine, given one, says it judged nothing
  expect(countScope({ maxPages: 1 }).layouts).toBe(3);
  const rs = checkExhaustive(named('upstream'), { maxPages: 1, shard: parseShard('4/4') });
  expect(rs.map((r) => [r.actual, r.numRuns])).toEqual(rs.map(() => ['not-judged', 0]));
  expect(rs[0].violations?.[0]).toMatch(/no case of the scope ran/);
  const last = checkExhaustive(named('upstream'), { maxPages: 1, shard: parseShard('3/3') });
  expect(last.filter((r) => r.numRuns === 0).map((r) => r.property)).toEqual(['bind-within-file']); // judged by the generated check only
});

test('upstream passes every correctness property over the scope, fixed passes the range math', () => {
  const upstream = verdictOf(checkExhaustive(named('upstream'), { maxPages: 4 }));
  expect(upstream).toMatchObject({
    'no-stale-mapping': 'pass', 'no-collateral-unmap': 'pass', 'ranges-well-formed': 'pass', 'no-warn': 'pass', 'mmu-bookkeeping': 'pass',
  });
  const fixed = checkExhaustive(named('fixed'), { maxPages: 4 });
  expect(verdictOf(fixed)).toMatchObject({
    'no-stale-mapping': 'pass', 'no-collateral-unmap': 'pass', 'ranges-well-formed': 'pass', 'no-warn': 'pass', 'mmu-bookkeeping': 'fail',
  });
  // every property judged over the whole scope, but bind-within-file, which the scope has no case of
  expect(fixed.filter((v) => v.actual !== 'not-judged').every((v) => v.matches && v.numRuns === countScope({ maxPages: 4 }).cases)).toBe(true);
  expect(fixed.filter((v) => v.actual === 'not-judged').map((v) => v.property)).toEqual(['bind-within-file']);
});

// a conversion's bugs live in huge pages (512 pages and up), which no small scope of 4 KiB pages holds:
// the generators find those (test/split.test.ts), and --exhaustive says so for such a variant
// bind requests are not in the scope either: bind-within-file is not judged there (the generated check judges it)
const scoped = (v: Variant) => bugsOf(v).filter((id) => !property(id).draws);
test.each(variants.filter((v) => scoped(v).length > 0 && !v.convert).map((v) => [v.name, v] as const))(
  'finds every failure %s is expected to have, at N = 3',
  (_, v) => {
    const rs = checkExhaustive(v, { maxPages: 3, properties: scoped(v), firstFailureOnly: true });
    expect(rs.map((r) => [r.property, r.actual, r.matches])).toEqual(scoped(v).map((id) => [id, 'fail', true]));
  },
);

test('bind-within-file is not judged over the scope, and that is no mismatch (nor a pass)', () => {
  const [v] = checkExhaustive(named('upstream'), { maxPages: 2, properties: ['bind-within-file'] });
  expect(v).toMatchObject({ property: 'bind-within-file', actual: 'not-judged', matches: true, numRuns: 0 });
  expect(v.violations).toEqual([expect.stringMatching(/^not judged: the exhaustive scope enumerates invalidations/)]);
});

test('a failure is a verdict with the smallest failing case of the scope', () => {
  const [r] = checkExhaustive(named('buggy'), { maxPages: 4, properties: ['no-stale-mapping'] });
  expect(r).toMatchObject({ variant: 'buggy', property: 'no-stale-mapping', expected: 'fail', actual: 'fail', matches: true, complete: true });
  expect(r.failures).toBeGreaterThan(0);
  // one slot of one page and a two-page punch over it: nothing smaller fails
  expect(caseSize(r.counterexample!.case)).toEqual([1, 1n, 2n, 2n]);
  expect(r.violations!.join('\n')).toMatch(/still mapped/);
  const strict = { ...named('buggy'), expect: expectations() };
  const [s] = checkExhaustive(strict, { maxPages: 2, properties: ['no-stale-mapping'] });
  expect([s.actual, s.matches]).toEqual(['fail', false]);
});

test('a window across index 64 reaches two-chunk bindings that a window at 0 cannot', () => {
  const mutant = loadVariantFile(path.join(__dirname, '..', 'bench', 'mutants', 'u-dedupe-break.ts'));
  const only: PropertyId[] = ['no-stale-mapping'];
  expect(checkExhaustive(mutant, { maxPages: 4, properties: only })[0].actual).toBe('pass');
  const [r] = checkExhaustive(mutant, { maxPages: 4, origin: 62n, properties: only, firstFailureOnly: true });
  expect(r.actual).toBe('fail');
  expect(r.complete).toBe(false);
});

test('a variant that throws is never judged as failing the way it is expected to', () => {
  const buggy = named('buggy');
  const throws = { ...buggy, invalidate_begin: () => { throw new Error('oops'); } };
  const [r] = checkExhaustive(throws, { maxPages: 2, properties: ['no-stale-mapping'] });
  expect(r).toMatchObject({ actual: 'fail', expected: 'fail', matches: false });
});
