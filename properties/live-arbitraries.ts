// Generators of live cases: cases the real kernel runs (live/runner.c), so within what its guest
// reads and small enough to run fast. In the style of arbitraries.ts (drawn choice by choice,
// constants first so they shrink small), with what the live check adds: invalid
// binds, so that the kernel's errnos are compared with model/layout.ts's, and a window of gfns.
//
// - gfns below LIVE_GFN_LIMIT (2^24 - 128): the guest identity-maps 2^36 bytes, and the runner's
//   own memslot takes the top 128 gfns (live/runner.c);
// - at most LIVE_MAX_GFNS gfns in all bindings, files of a few hundred pages but for about one
//   case in ten (up to about 5000 pages): the runner writes every file page and its guest
//   reads every gfn twice, about 10 us a fault under kvm_pvm;
// - 1 to 6 slots, bindings at and across xarray chunk edges (64; 4096 in about one case in ten);
// - invalid binds: a file range overlapping an earlier binding (-EINVAL), a binding past the end
//   of the file (-EINVAL), gfns overlapping another slot (-EEXIST), a slot id bound twice
//   (-EINVAL: guest_memfd slots are immutable); the model decides which slot is refused;
// - punches anchored at slot edges +-1, past the last binding, past the end of the file, inside
//   a slot; punches userspace gets wrong (CORRUPTIONS of arbitraries.ts); release.
// Memory failure is never generated: it is never performed live.

import fc from 'fast-check';
import { Operation } from '../model/callers';
import { PAGE_SHIFT } from '../model/layout';
import { RawSlot, anchorOf, badPunchOf, beyondOf, constant, corrupt, fewOf, from, insideOf, pages, punchRange, punchSpecOf, slotIndexOf, tailOf } from './arbitraries';
import { Case, LayoutSpec, SlotSpec } from './case';
import { Draw, Gen, arbitrary, big, oneof } from './draw';

/** Live cases use gfns below this: 2^24 (the guest maps gpa < 2^36) less the runner's 128. */
export const LIVE_GFN_LIMIT = (1n << 24n) - 128n;
/** At most this many gfns in all the slots of a case (the runner reads up to 16384). */
export const LIVE_MAX_GFNS = 4400n;

/** Sizes at xarray chunk edges (64 +-1), small, a few of 64^2 +-1. */
const npagesOf = oneof(
  [20, from(1n, 2n, 63n, 64n, 65n, 128n)],
  [20, big(1n, 130n)],
  [1, from(4095n, 4096n, 4097n)],
);

const gapOf = oneof(
  [4, constant(0n)],
  [3, big(1n, 70n)],
  [1, from(0n, 1n, 63n, 64n, 65n)],
);

/** Where the first binding starts: 0, at chunk edges, and (rarely) just below index 4096. */
const firstPgoffOf = oneof(
  [10, constant(0n)],
  [8, from(0n, 1n, 63n, 64n, 65n)],
  [6, big(0n, 300n)],
  [1, from(4032n, 4095n)],
);

/** gfn 0 first; the top of the window now and then. */
const baseGfnOf = oneof(
  [3, constant(0n)],
  [3, big(0n, 4096n)],
  [1, big(0n, LIVE_GFN_LIMIT - 1n)],
);

/** How a slot's bind is made invalid, if it is. */
export const BAD_BINDS = ['file-overlap', 'past-eof', 'gfn-overlap', 'dup-id'] as const;
type BadBind = 'none' | (typeof BAD_BINDS)[number];

const gfnGapOf = oneof([3, constant(0n)], [2, big(1n, 300n)], [1, big(1n, 1n << 20n)]);
const badOf = oneof<BadBind>([12, constant('none')], [1, from<BadBind>(...BAD_BINDS)]);
const intoOf = big(0n, 70n);
interface LiveSlot extends RawSlot {
  readonly bad: BadBind;
  /** The other slot a bad bind clashes with, and how far into it. */
  readonly other: number;
  readonly into: bigint;
}

const slotOf: Gen<LiveSlot> = (d) => ({
  npages: npagesOf(d), gap: gapOf(d), gfnKey: slotIndexOf(d), gfnGap: gfnGapOf(d), bad: badOf(d), other: slotIndexOf(d), into: intoOf(d),
});

/** Keeps the total under LIVE_MAX_GFNS: the largest slots are cut to 65 pages, in order. */
function withinBudget(raw: readonly LiveSlot[]): bigint[] {
  const n = raw.map((r) => r.npages);
  let total = n.reduce((a, b) => a + b, 0n);
  while (total > LIVE_MAX_GFNS) {
    let at = 0;
    n.forEach((x, i) => { if (x > n[at]) at = i; });
    total -= n[at] - 65n;
    n[at] = 65n;
  }
  return n;
}

export const liveLayoutOf: Gen<LayoutSpec> = (d) => {
  const raw = d.list(1, 6, slotOf);
  const firstPgoff = firstPgoffOf(d), baseGfn = baseGfnOf(d), tail = tailOf(d);
  const npages = withinBudget(raw);
  // file indices: bindings in array order, each after its gap
  let pgoff = firstPgoff;
  const pgoffs = raw.map((r, i) => {
    if (i > 0) pgoff += r.gap;
    const p = pgoff;
    pgoff += npages[i];
    return p;
  });
  const filePages = pgoff + tail;
  // gfns: in gfnKey order, each after its gap, shifted down to end inside the window
  const order = raw.map((_, i) => i).sort((a, b) => raw[a].gfnKey - raw[b].gfnKey || a - b);
  let span = 0n;
  for (const i of order) span += npages[i] + raw[i].gfnGap;
  let gfn = baseGfn < LIVE_GFN_LIMIT - span ? baseGfn : LIVE_GFN_LIMIT - span;
  const bases = new Array<bigint>(raw.length);
  for (const i of order) {
    gfn += raw[i].gfnGap;
    bases[i] = gfn;
    gfn += npages[i];
  }
  const slots: SlotSpec[] = raw.map((_, i) => ({ id: i, pgoff: pgoffs[i], npages: npages[i], base_gfn: bases[i] }));
  // the invalid binds, each against another slot of the valid layout
  raw.forEach((r, i) => {
    if (r.bad === 'none') return;
    const o = slots[(i + 1 + (r.other % Math.max(raw.length - 1, 1))) % raw.length];
    const s = slots[i];
    const into = o.npages > 0n ? r.into % o.npages : 0n;
    switch (raw.length === 1 && r.bad !== 'past-eof' ? 'past-eof' : r.bad) {
      case 'file-overlap': slots[i] = { ...s, pgoff: o.pgoff + into }; break;
      case 'past-eof': slots[i] = { ...s, pgoff: filePages - s.npages + 1n + (r.into % 3n) }; break;
      case 'gfn-overlap': {
        const b = o.base_gfn + into;
        slots[i] = { ...s, base_gfn: b + s.npages <= LIVE_GFN_LIMIT ? b : LIVE_GFN_LIMIT - s.npages };
        break;
      }
      case 'dup-id': slots[i] = { ...s, id: o.id }; break;
    }
  });
  return { filePages, slots };
};

// anchors without the far deltas (the files are small), and punch lengths up to 5000 pages
const punchSpec = punchSpecOf(anchorOf(false), oneof([1, big(1n, 3n)], [1, from(1n, 2n, 63n, 64n, 65n)], [1, big(1n, 5000n)]));
const badPunch = badPunchOf(punchSpec);

/** What the caller does to a live layout. */
const liveOperationOf = (layout: LayoutSpec): Gen<Operation> => oneof<Operation>(
  [10, (d) => {
    const [s, e] = punchRange(layout, punchSpec(d));
    return pages(s, e - s);
  }],
  [3, (d) => {
    const { p, how, by } = badPunch(d);
    const [s, e] = punchRange(layout, p);
    return corrupt(s << PAGE_SHIFT, (e - s) << PAGE_SHIFT, how, by);
  }],
  [3, constant({ kind: 'release' })],
  // just past the last binding (meets none), or past the end of the file (allowed)
  [2, (d) => {
    const what = d.from(['binding', 'file'] as const), dist = beyondOf(d), n = fewOf(d);
    const last = layout.slots.reduce((m, s) => (s.pgoff + s.npages > m ? s.pgoff + s.npages : m), 0n);
    return pages((what === 'file' ? layout.filePages : last) + dist, n);
  }],
  // strictly inside a slot
  [3, (d) => {
    const slot = slotIndexOf(d), dist = insideOf(d), n = fewOf(d);
    const sl = layout.slots[slot % layout.slots.length];
    return pages(sl.npages > 1n ? sl.pgoff + 1n + (dist % (sl.npages - 1n)) : sl.pgoff, n);
  }],
);

/** A live case: a layout within the guest's window (some binds invalid), a punch or a release. */
export const liveCaseArb: fc.Arbitrary<Case> = arbitrary((d: Draw) => {
  const layout = liveLayoutOf(d);
  return { layout, op: liveOperationOf(layout)(d) };
});
