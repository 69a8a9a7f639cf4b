// Generators of live cases: cases the real kernel runs (live/runner.c), so within what its guest
// reads and small enough to run fast. In the style of arbitraries.ts (records and tuples mapped,
// no .chain, constants first so they shrink small), with what the live check adds: invalid
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
import { PAGE_SHIFT, PAGE_SIZE } from '../model/layout';
import { CORRUPTIONS, Corruption, PUNCH, PunchSpec, anchorArbOf, big, corrupt, oneof, punchRange, punchSpecArbOf } from './arbitraries';
import { Case, LayoutSpec, SlotSpec } from './case';

/** Live cases use gfns below this: 2^24 (the guest maps gpa < 2^36) less the runner's 128. */
export const LIVE_GFN_LIMIT = (1n << 24n) - 128n;
/** At most this many gfns in all the slots of a case (the runner reads up to 16384). */
export const LIVE_MAX_GFNS = 4400n;

/** Sizes at xarray chunk edges (64 +-1), small, a few of 64^2 +-1. */
const npagesArb = oneof(
  { weight: 20, arbitrary: fc.constantFrom(1n, 2n, 63n, 64n, 65n, 128n) },
  { weight: 20, arbitrary: big(1n, 130n) },
  { weight: 1, arbitrary: fc.constantFrom(4095n, 4096n, 4097n) },
);

const gapArb = oneof(
  { weight: 4, arbitrary: fc.constant(0n) },
  { weight: 3, arbitrary: big(1n, 70n) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, 63n, 64n, 65n) },
);

/** Where the first binding starts: 0, at chunk edges, and (rarely) just below index 4096. */
const firstPgoffArb = oneof(
  { weight: 10, arbitrary: fc.constant(0n) },
  { weight: 8, arbitrary: fc.constantFrom(0n, 1n, 63n, 64n, 65n) },
  { weight: 6, arbitrary: big(0n, 300n) },
  { weight: 1, arbitrary: fc.constantFrom(4032n, 4095n) },
);

/** gfn 0 first; the top of the window now and then. */
const baseGfnArb = oneof(
  { weight: 3, arbitrary: fc.constant(0n) },
  { weight: 3, arbitrary: big(0n, 4096n) },
  { weight: 1, arbitrary: big(0n, LIVE_GFN_LIMIT - 1n) },
);

/** How a slot's bind is made invalid, if it is. */
export const BAD_BINDS = ['file-overlap', 'past-eof', 'gfn-overlap', 'dup-id'] as const;
type BadBind = 'none' | (typeof BAD_BINDS)[number];

const slotArb = fc.record({
  npages: npagesArb,
  gap: gapArb,
  gfnKey: fc.nat(5),
  gfnGap: oneof(
    { weight: 3, arbitrary: fc.constant(0n) },
    { weight: 2, arbitrary: big(1n, 300n) },
    { weight: 1, arbitrary: big(1n, 1n << 20n) },
  ),
  bad: oneof<BadBind>(
    { weight: 12, arbitrary: fc.constant('none' as BadBind) },
    { weight: 1, arbitrary: fc.constantFrom<BadBind>(...BAD_BINDS) },
  ),
  /** The other slot a bad bind clashes with, and how far into it. */
  other: fc.nat(5),
  into: big(0n, 70n),
});

type RawSlot = typeof slotArb extends fc.Arbitrary<infer T> ? T : never;

/** Keeps the total under LIVE_MAX_GFNS: the largest slots are cut to 65 pages, in order. */
function withinBudget(raw: readonly RawSlot[]): bigint[] {
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

export const liveLayoutArb: fc.Arbitrary<LayoutSpec> = fc
  .tuple(fc.array(slotArb, { minLength: 1, maxLength: 6 }), firstPgoffArb, baseGfnArb, oneof(fc.constant(0n), big(1n, 100n)))
  .map(([raw, firstPgoff, baseGfn, tail]) => {
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
  });

// anchors without the far deltas (the files are small), and punch lengths up to 5000 pages
const punchSpecArb = punchSpecArbOf(anchorArbOf(false), oneof(big(1n, 3n), fc.constantFrom(1n, 2n, 63n, 64n, 65n), big(1n, 5000n)));

type OpSpec =
  | { kind: 'punch'; p: PunchSpec }
  | { kind: 'bad-punch'; p: PunchSpec; how: Corruption; by: bigint }
  | { kind: 'release' }
  /** Just past the last binding (meets none), or past the end of the file (allowed). */
  | { kind: 'beyond'; what: 'binding' | 'file'; d: bigint; n: bigint }
  /** Strictly inside a slot. */
  | { kind: 'inside'; slot: number; d: bigint; n: bigint };

const opSpecArb: fc.Arbitrary<OpSpec> = oneof<OpSpec>(
  { weight: 10, arbitrary: punchSpecArb.map((p) => ({ kind: 'punch' as const, p })) },
  {
    weight: 3,
    arbitrary: fc.record({ p: punchSpecArb, how: fc.constantFrom(...CORRUPTIONS), by: big(1n, PAGE_SIZE - 1n) })
      .map((r) => ({ kind: 'bad-punch' as const, ...r })),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'release' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ what: fc.constantFrom<'binding' | 'file'>('binding', 'file'), d: big(0n, 3n), n: big(1n, 3n) })
      .map((r) => ({ kind: 'beyond' as const, ...r })),
  },
  { weight: 3, arbitrary: fc.record({ slot: fc.nat(5), d: big(0n, 70n), n: big(1n, 3n) }).map((r) => ({ kind: 'inside' as const, ...r })) },
);

function operation(layout: LayoutSpec, spec: OpSpec): Operation {
  const pages = (s: bigint, n: bigint): Operation => ({ kind: 'punch', mode: PUNCH, offset: s << PAGE_SHIFT, len: n << PAGE_SHIFT });
  switch (spec.kind) {
    case 'release': return { kind: 'release' };
    case 'beyond': {
      const last = layout.slots.reduce((m, s) => (s.pgoff + s.npages > m ? s.pgoff + s.npages : m), 0n);
      return pages((spec.what === 'file' ? layout.filePages : last) + spec.d, spec.n);
    }
    case 'inside': {
      const sl = layout.slots[spec.slot % layout.slots.length];
      const s = sl.npages > 1n ? sl.pgoff + 1n + (spec.d % (sl.npages - 1n)) : sl.pgoff;
      return pages(s, spec.n);
    }
    case 'punch': {
      const [s, e] = punchRange(layout, spec.p);
      return pages(s, e - s);
    }
    case 'bad-punch': {
      const [s, e] = punchRange(layout, spec.p);
      return corrupt(s << PAGE_SHIFT, (e - s) << PAGE_SHIFT, spec.how, spec.by);
    }
  }
}

/** A live case: a layout within the guest's window (some binds invalid), a punch or a release. */
export const liveCaseArb: fc.Arbitrary<Case> = fc
  .tuple(liveLayoutArb, opSpecArb)
  .map(([layout, spec]) => ({ layout, op: operation(layout, spec) }));
